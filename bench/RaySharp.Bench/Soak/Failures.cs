namespace RaySharp.Bench.Soak;

/// <summary>How the soak names a failure in its lists: type and message on one line, cut short (a remote stack trace can run to pages).</summary>
public static class Failures
{
    public static string Describe(Exception ex)
    {
        var message = ex.Message.ReplaceLineEndings(" ");
        return $"{ex.GetType().Name}: {(message.Length > 300 ? message[..300] + "..." : message)}";
    }
}
