using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using RaySharp.Dashboard.State;

namespace RaySharp.Tests.UnitTests.Dashboard;

/// <summary>The state API's query: Ray's filters (both spellings), limit and detail, and clear refusals.</summary>
public class StateQueryTests
{
    private static readonly StateRow[] s_rows =
    [
        Row("a", "FINISHED", 1),
        Row("b", "FAILED", 2),
        Row("c", "FINISHED", 3),
    ];

    [Fact]
    public void Filters_compare_as_text_ignoring_case_and_the_limit_applies_after_them()
    {
        var query = StateQuery.Parse(Query(("filter", "state=finished"), ("limit", "1")));
        var result = query.Apply(s_rows);
        Assert.Equal((3, 2, 1), (result.Total, result.NumFiltered, result.NumAfterTruncation));
        Assert.Equal("a", Assert.Single(result.Result)["task_id"]);
        Assert.False(result.Result[0].ContainsKey("error_message"), "brief rows carry only the brief columns");
    }

    [Fact]
    public void Rays_three_lists_and_not_equal_work_and_detail_shows_every_column()
    {
        var query = StateQuery.Parse(Query(("filter_keys", "state"), ("filter_predicates", "!="), ("filter_values", "FINISHED"), ("filter", "attempt_number=2"), ("detail", "true")));
        var row = Assert.Single(query.Apply(s_rows).Result);
        Assert.Equal("b", row["task_id"]);
        Assert.Equal("boom", row["error_message"]);
    }

    [Fact]
    public void Filter_columns_ignore_case_and_an_unknown_column_is_refused_naming_the_columns()
    {
        Assert.Single(StateQuery.Parse(Query(("filter", "State=FAILED"))).Apply(s_rows).Result);
        var error = Assert.Throws<StateQueryException>(() => StateQuery.Parse(Query(("filter", "stat=FAILED"))).Apply(s_rows));
        Assert.Contains("stat", error.Message, StringComparison.Ordinal);
        Assert.Contains("state", error.Message, StringComparison.Ordinal);
        // No rows: nothing to tell a column by, and nothing to filter.
        Assert.Empty(StateQuery.Parse(Query(("filter", "stat=FAILED"))).Apply([]).Result);
    }

    [Theory]
    [InlineData("filter", "nonsense")]
    [InlineData("filter", "=x")]
    [InlineData("limit", "0")]
    [InlineData("limit", "10001")]
    [InlineData("limit", "many")]
    [InlineData("filter_keys", "state")]
    public void Bad_queries_are_refused_with_a_reason(string key, string value)
    {
        var error = Assert.Throws<StateQueryException>(() => StateQuery.Parse(Query((key, value))));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    private static StateRow Row(string id, string state, int attempt) => new(["task_id", "state", "attempt_number"])
    {
        ["task_id"] = id,
        ["state"] = state,
        ["attempt_number"] = attempt,
        ["error_message"] = state == "FAILED" ? "boom" : null,
    };

    private static QueryCollection Query(params (string Key, string Value)[] pairs) =>
        new(pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => new StringValues([.. g.Select(p => p.Value)])));
}
