using System.Text.Json;
using Spectre.Console;
using YamlDotNet.Serialization;

namespace RaySharp.Cli;

/// <summary>How `raysharp list|get|summary` print: a table (Ray's default for lists), JSON, or YAML.</summary>
internal static class StateOutput
{
    public static readonly string[] Formats = ["table", "json", "yaml"];

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public static void Rows(IReadOnlyList<JsonElement> rows, string format)
    {
        switch (format)
        {
            case "json":
                Console.WriteLine(JsonSerializer.Serialize(rows, s_indented));
                break;
            case "yaml":
                Console.Write(Yaml(rows.Select(Plain).ToList()));
                break;
            default:
                Table(rows);
                break;
        }
    }

    public static void Value(JsonElement value, string format)
    {
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(value, s_indented));
        }
        else
        {
            Console.Write(Yaml(Plain(value)));
        }
    }

    private static void Table(IReadOnlyList<JsonElement> rows)
    {
        if (rows.Count == 0)
        {
            Console.WriteLine("No entries.");
            return;
        }
        var columns = rows.SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Distinct(StringComparer.Ordinal).ToList();
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(column.ToUpperInvariant());
        }
        foreach (var row in rows)
        {
            table.AddRow(columns.Select(c => Markup.Escape(row.TryGetProperty(c, out var v) ? Cell(v) : "")).ToArray());
        }
        Wide().Write(table);
    }

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Object or JsonValueKind.Array => value.GetRawText(),
        _ => value.GetRawText(),
    };

    /// <summary>The console to draw on: as wide as the terminal, or wide enough not to squash columns when redirected.</summary>
    public static IAnsiConsole Wide()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Out) });
        if (System.Console.IsOutputRedirected)
        {
            console.Profile.Width = 400;
        }
        return console;
    }

    private static string Yaml(object? value) => new SerializerBuilder().Build().Serialize(value);

    // JSON as plain objects YamlDotNet serializes: dictionaries, lists, strings, numbers, booleans.
    private static object? Plain(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Plain(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => value.EnumerateArray().Select(Plain).ToList(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? whole : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
