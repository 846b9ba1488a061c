using System.Text.Json;

namespace RaySharp.State;

/// <summary>One page of a state API list (Ray's ListApiResponse).</summary>
/// <param name="Total">How many entries the cluster has, before filters and limit.</param>
/// <param name="NumAfterTruncation">How many came back (after the limit).</param>
/// <param name="NumFiltered">How many passed the filters.</param>
/// <param name="Rows">The entries, each a JSON object with Ray's column names (task_id, state, ...).</param>
/// <param name="PartialFailureWarning">Set when some nodes did not answer, so entries may be missing; else empty.</param>
public sealed record StateListResult(int Total, int NumAfterTruncation, int NumFiltered, IReadOnlyList<JsonElement> Rows, string PartialFailureWarning);
