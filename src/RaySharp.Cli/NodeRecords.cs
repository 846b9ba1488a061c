using System.Globalization;

namespace RaySharp.Cli;

/// <summary>
/// The nodes started on this machine by `raysharp start`: one file per node process under
/// [temp]/raysharp/nodes, named by its pid and holding its session directory, for `raysharp stop`.
/// </summary>
internal static class NodeRecords
{
    public static string Directory => Path.Combine(Common.Store.SessionPaths.BaseDirectory, "nodes");

    public static void Add(int pid, string session)
    {
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, pid.ToString(CultureInfo.InvariantCulture)), session);
    }

    public static void Remove(int pid)
    {
        try
        {
            File.Delete(Path.Combine(Directory, pid.ToString(CultureInfo.InvariantCulture)));
        }
        catch (IOException)
        {
        }
    }

    public static List<int> All() =>
        System.IO.Directory.Exists(Directory)
            ? System.IO.Directory.EnumerateFiles(Directory).Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : -1).Where(p => p > 0).ToList()
            : [];
}
