namespace RaySharp.Bench.Fuzz;

/// <summary>How much to fuzz and what.</summary>
/// <param name="Seed">Makes every input reproducible (printed with every finding).</param>
/// <param name="DecoderInputs">Byte strings for the decoders; each is parsed by every message type.</param>
/// <param name="InputsPerMethod">Calls per rpc.</param>
/// <param name="Only">Fuzz only the message types and methods ("Service/Method") whose names contain this.</param>
/// <param name="Concurrency">Calls in flight at once per method.</param>
public sealed record FuzzOptions(int Seed, long DecoderInputs, long InputsPerMethod, string? Only = null, int Concurrency = 32);
