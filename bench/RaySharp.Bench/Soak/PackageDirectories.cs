namespace RaySharp.Bench.Soak;

/// <summary>
/// The package cache directories this cluster's workers run from, collected over the run from their
/// command lines (`--depsfile &lt;dir&gt;/App.deps.json`). The cache itself is per user, shared with every
/// other cluster of the user on the machine, so its total would move with other people's work; the
/// directories this cluster uses grow only if this cluster lays out new packages (a new one per job, say).
/// </summary>
public sealed class PackageDirectories
{
    private readonly HashSet<string> _seen = [];

    /// <summary>Adds the package directories of <paramref name="workerPids"/> to those seen; returns all seen so far.</summary>
    public IReadOnlyCollection<string> Add(IEnumerable<int> workerPids)
    {
        var root = SoakCluster.PackageCache + Path.DirectorySeparatorChar;
        foreach (var pid in workerPids)
        {
            string[] argv;
            try
            {
                argv = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            }
            catch (IOException)
            {
                continue;
            }
            var deps = Array.IndexOf(argv, "--depsfile");
            if (deps >= 0 && deps + 1 < argv.Length && argv[deps + 1].StartsWith(root, StringComparison.Ordinal))
            {
                _seen.Add(Path.GetDirectoryName(argv[deps + 1])!);
            }
        }
        return _seen;
    }
}
