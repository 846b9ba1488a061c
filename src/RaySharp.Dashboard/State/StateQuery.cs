using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace RaySharp.Dashboard.State;

/// <summary>
/// The query of a list call: filters, a limit and whether to show every column. Filters come as
/// <c>filter=key=value</c> or <c>filter=key!=value</c> (repeatable), or as Ray's three parallel lists
/// <c>filter_keys</c>, <c>filter_predicates</c>, <c>filter_values</c>. Values compare as text, ignoring case, so
/// <c>state=failed</c> finds FAILED tasks.
/// </summary>
internal sealed record StateQuery(IReadOnlyList<StateFilter> Filters, int Limit, bool Detail)
{
    /// <summary>Ray's default limit for state API lists.</summary>
    public const int DefaultLimit = 100;

    /// <summary>Ray's RAY_MAX_LIMIT_FROM_API_SERVER.</summary>
    public const int MaxLimit = 10_000;

    /// <exception cref="StateQueryException">A malformed filter or limit (a 400 for the caller).</exception>
    public static StateQuery Parse(IQueryCollection query)
    {
        var filters = new List<StateFilter>();
        foreach (var text in query["filter"])
        {
            filters.Add(StateFilter.Parse(text ?? ""));
        }
        var keys = query["filter_keys"];
        var predicates = query["filter_predicates"];
        var values = query["filter_values"];
        if (keys.Count != predicates.Count || keys.Count != values.Count)
        {
            throw new StateQueryException($"filter_keys, filter_predicates and filter_values must come in threes (got {keys.Count}, {predicates.Count}, {values.Count}).");
        }
        for (var i = 0; i < keys.Count; i++)
        {
            filters.Add(StateFilter.Create(keys[i] ?? "", predicates[i] ?? "", values[i] ?? ""));
        }
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText))
        {
            if (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit)
            {
                throw new StateQueryException($"limit must be a whole number from 1 to {MaxLimit}, not '{limitText}'.");
            }
        }
        var detail = query.TryGetValue("detail", out var detailText) && (detailText == "true" || detailText == "1" || detailText == "True");
        return new StateQuery(filters, limit, detail);
    }

    /// <summary>Applies the filters and the limit to rows: Ray's list reply with its counts.</summary>
    /// <exception cref="StateQueryException">A filter names a column the rows do not have (Ray refuses it, listing the columns).</exception>
    public StateListResult Apply(IEnumerable<StateRow> rows, string? partialFailure = null)
    {
        var all = rows.ToList();
        if (all.Count > 0)
        {
            var columns = all.SelectMany(r => r.Fields.Keys).ToHashSet(StringComparer.Ordinal);
            if (Filters.FirstOrDefault(f => !columns.Contains(f.Key)) is { } unknown)
            {
                throw new StateQueryException(
                    $"The given filter column {unknown.Key} is not supported. Supported filter columns: {string.Join(", ", columns.Order(StringComparer.Ordinal))}.");
            }
        }
        var matching = all.Where(r => Filters.All(f => f.Matches(r))).ToList();
        var kept = matching.Take(Limit).Select(r => r.View(Detail)).ToList();
        return new StateListResult(all.Count, kept.Count, matching.Count, kept, partialFailure ?? "");
    }
}

/// <summary>One filter: a column, equal or not equal, a value.</summary>
internal sealed record StateFilter(string Key, bool Equal, string Value)
{
    public static StateFilter Parse(string text)
    {
        var notEqual = text.IndexOf("!=", StringComparison.Ordinal);
        if (notEqual > 0)
        {
            return Create(text[..notEqual], "!=", text[(notEqual + 2)..]);
        }
        var equal = text.IndexOf('=', StringComparison.Ordinal);
        if (equal > 0)
        {
            return Create(text[..equal], "=", text[(equal + 1)..]);
        }
        throw new StateQueryException($"A filter is key=value or key!=value, e.g. state=FAILED; '{text}' is neither.");
    }

    public static StateFilter Create(string key, string predicate, string value)
    {
        if (key.Trim().Length == 0)
        {
            throw new StateQueryException("A filter needs a column name, e.g. state=FAILED.");
        }
        // Column names compare as Ray's do: lower-cased (they are all snake_case).
        var column = key.Trim().ToLowerInvariant();
        return predicate switch
        {
            "=" => new StateFilter(column, true, value.Trim()),
            "!=" => new StateFilter(column, false, value.Trim()),
            _ => throw new StateQueryException($"A filter's predicate is = or !=, not '{predicate}'."),
        };
    }

    public bool Matches(StateRow row)
    {
        var text = row[Key] switch
        {
            null => "",
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            var v => v.ToString() ?? "",
        };
        return string.Equals(text, Value, StringComparison.OrdinalIgnoreCase) == Equal;
    }
}

/// <summary>Ray's list result: how many there are, how many came back (after the limit), how many passed the filters.</summary>
internal sealed record StateListResult(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("num_after_truncation")] int NumAfterTruncation,
    [property: JsonPropertyName("num_filtered")] int NumFiltered,
    [property: JsonPropertyName("result")] List<Dictionary<string, object?>> Result,
    [property: JsonPropertyName("partial_failure_warning")] string PartialFailureWarning);

/// <summary>A bad state API request: answered with 400 and the message.</summary>
internal sealed class StateQueryException(string message) : Exception(message);
