using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace RaySharp.Tune;

/// <summary>
/// One trial's hyperparameters: the param space with every domain sampled and every grid search resolved (Ray's
/// trial <c>config</c> dict). Nested maps stay nested; <see cref="Get{T}"/> reads a value by path (<c>"model/layers"</c>).
/// </summary>
public sealed class TrialConfig : IReadOnlyDictionary<string, object?>
{
    private readonly IReadOnlyDictionary<string, object?> _values;

    internal TrialConfig(IReadOnlyDictionary<string, object?> values) => _values = values;

    /// <summary>The value at a path of keys separated by '/', converted to <typeparamref name="T"/> (an int read as a double, say).</summary>
    /// <typeparam name="T">The type wanted.</typeparam>
    /// <param name="path">A key, or nested keys joined by '/'.</param>
    /// <returns>The value.</returns>
    /// <exception cref="KeyNotFoundException">No value at that path.</exception>
    /// <exception cref="InvalidCastException">The value does not convert to <typeparamref name="T"/>.</exception>
    public T Get<T>(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!TryFind(path, out var value))
        {
            throw new KeyNotFoundException($"The trial config has no value at '{path}'; it has: {this}.");
        }
        if (value is T typed)
        {
            return typed;
        }
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (value is IConvertible && typeof(IConvertible).IsAssignableFrom(target))
        {
            return (T)Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
        }
        throw new InvalidCastException($"The trial config's '{path}' is {ConfigValues.Format(value)}, not a {typeof(T).Name}.");
    }

    private bool TryFind(string path, out object? value)
    {
        value = null;
        var map = _values;
        var keys = path.Split('/');
        for (var i = 0; i < keys.Length; i++)
        {
            if (!map.TryGetValue(keys[i], out value))
            {
                return false;
            }
            if (i < keys.Length - 1)
            {
                if (value is not IReadOnlyDictionary<string, object?> next)
                {
                    return false;
                }
                map = next;
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public object? this[string key] => _values[key];

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc/>
    public IEnumerable<object?> Values => _values.Values;

    /// <inheritdoc/>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => _values.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The config as Ray prints it: <c>{lr: 0.01, layers: 3}</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => ConfigValues.Format(_values);

    /// <summary>The config as JSON (how it travels and is stored).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => ConfigValues.ToJson(_values);
}
