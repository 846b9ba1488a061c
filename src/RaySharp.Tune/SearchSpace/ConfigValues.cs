using System.Globalization;
using System.Text.Json;

namespace RaySharp.Tune;

/// <summary>
/// The values a trial's config may hold — null, bool, string, int, long, double and nested string-keyed maps
/// of them — and their JSON form. Configs travel to trial actors and into the experiment's files as JSON, so
/// anything else is refused when the param space is given, not when a trial starts.
/// </summary>
internal static class ConfigValues
{
    public static bool IsPlain(object? value) => value is null or bool or string or int or long or double or float;

    /// <summary>Throws an <see cref="ArgumentException"/> naming <paramref name="what"/> when the value is not plain.</summary>
    public static object? CheckPlain(object? value, string what, string paramName)
    {
        if (value is float f)
        {
            return (double)f;
        }
        if (value is double d && !double.IsFinite(d))
        {
            throw new ArgumentException($"{what} is {d}: config values must be finite numbers.", paramName);
        }
        if (!IsPlain(value))
        {
            throw new ArgumentException(
                $"{what} is a {value!.GetType().Name}: config values are null, bool, string, int, long, double or nested dictionaries of them " +
                "(they travel to trials and into the experiment's files as JSON). Pass large or other objects with Tune.WithParameters.", paramName);
        }
        return value;
    }

    public static string Format(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        bool b => b ? "True" : "False",
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IReadOnlyDictionary<string, object?> map => "{" + string.Join(", ", map.Select(kv => $"{kv.Key}: {Format(kv.Value)}")) + "}",
        _ => value.ToString() ?? "",
    };

    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                // Always with a fraction or exponent, so that 2.0 reads back as a double, not as the int 2.
                var text = d.ToString("R", CultureInfo.InvariantCulture);
                writer.WriteRawValue(text.Contains('.') || text.Contains('E') ? text : text + ".0");
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }
                writer.WriteEndObject();
                break;
            default:
                throw new InvalidOperationException($"A config value of type {value.GetType().Name} has no JSON form.");
        }
    }

    public static object? Read(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => ReadNumber(element),
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => Read(p.Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        _ => throw new JsonException($"A config holds a JSON {element.ValueKind}, which no config value writes."),
    };

    private static object ReadNumber(JsonElement element)
    {
        var raw = element.GetRawText();
        if (raw.Contains('.') || raw.Contains('e') || raw.Contains('E'))
        {
            return element.GetDouble();
        }
        // Not a conditional expression: int and long would meet as long.
        if (element.TryGetInt32(out var i))
        {
            return i;
        }
        return element.GetInt64();
    }

    public static string ToJson(IReadOnlyDictionary<string, object?> config)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, config);
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static IReadOnlyDictionary<string, object?> FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Read(document.RootElement) as IReadOnlyDictionary<string, object?>
            ?? throw new JsonException("A trial config must be a JSON object.");
    }
}
