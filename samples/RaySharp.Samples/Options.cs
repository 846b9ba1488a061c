namespace RaySharp.Samples;

/// <summary>Reads `--name value` options; unknown options are ignored so `all` can pass options through.</summary>
public static class Options
{
    public static int Int(string[] args, string name, int defaultValue)
    {
        var i = Array.IndexOf(args, name);
        if (i < 0)
        {
            return defaultValue;
        }
        if (i + 1 >= args.Length || !int.TryParse(args[i + 1], out var value) || value <= 0)
        {
            throw new ArgumentException($"{name} needs a positive whole number.");
        }
        return value;
    }
}
