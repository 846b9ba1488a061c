namespace RaySharp.Dashboard.State;

/// <summary>
/// One entity as the state API shows it: Ray's column names and JSON values, in a fixed order. The brief
/// columns are what a list shows without <c>detail=true</c>; the rest come with it.
/// </summary>
internal sealed class StateRow(IReadOnlyList<string> briefColumns)
{
    private readonly IReadOnlyList<string> _brief = briefColumns;

    public Dictionary<string, object?> Fields { get; } = new(StringComparer.Ordinal);

    public object? this[string column]
    {
        get => Fields.GetValueOrDefault(column);
        set => Fields[column] = value;
    }

    /// <summary>The columns a reply carries: every one with detail, else the brief ones.</summary>
    public Dictionary<string, object?> View(bool detail) =>
        detail ? Fields : _brief.Where(Fields.ContainsKey).ToDictionary(c => c, c => Fields[c], StringComparer.Ordinal);
}
