using System.Security.Cryptography;
using RaySharp.Common.Ids;
using RaySharp.Protocol;
using RaySharp.Raylet;

namespace RaySharp.Tests.UnitTests.Raylet;

/// <summary>
/// The machine's package cache stays within its bound, least recently used first, and never evicts a
/// package that a job or a worker holds (issue 11: it only grew). The packages here are made from blobs
/// already in the cache, so no GCS is asked.
/// </summary>
public sealed class CodePackageCacheTests : IDisposable
{
    private const int FileBytes = 10_000;

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("raysharp-package-cache-");

    private CodePackageCache Cache(long maxBytes) => new("127.0.0.1:1", UniqueId.New(), maxBytes, _root.FullName);

    private string Apps => Path.Combine(_root.FullName, "apps");

    /// <summary>A one-file package from another node, its file's bytes already in the cache's blobs.</summary>
    private WorkerLaunch Package(int seed)
    {
        var bytes = new byte[FileBytes];
        new Random(seed).NextBytes(bytes);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Directory.CreateDirectory(Path.Combine(_root.FullName, "blobs"));
        File.WriteAllBytes(Path.Combine(_root.FullName, "blobs", hash), bytes);
        var launch = new WorkerLaunch { AppDir = "/elsewhere/app", DriverNodeId = UniqueId.New().ToByteString() };
        launch.Package.Add(new PackageFile { Path = WorkerStartInfo.WorkerAssembly, Hash = hash });
        return launch;
    }

    private long CacheBytes() => _root.EnumerateFiles("*", SearchOption.AllDirectories).Where(f => !f.Name.EndsWith(".lock", StringComparison.Ordinal)).Sum(f => f.Length);

    [Fact]
    public async Task The_cache_stays_within_its_bound_evicting_the_least_recently_used_package()
    {
        var cache = Cache(maxBytes: 5 * FileBytes);
        var directories = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var (local, hold) = await cache.LocalizeAndHoldAsync(Package(i));
            hold!.Dispose();    // the job ended
            directories.Add(local.AppDir);
            Assert.True(File.Exists(Path.Combine(local.AppDir, WorkerStartInfo.WorkerAssembly)));
        }

        Assert.True(CacheBytes() <= 5 * FileBytes, $"the cache holds {CacheBytes()} bytes, over its bound of {5 * FileBytes}");
        Assert.False(Directory.Exists(directories[0]), "the least recently used package is still cached");
        Assert.True(Directory.Exists(directories[5]), "the newest package was evicted");
    }

    [Fact]
    public async Task A_package_used_again_counts_as_recent()
    {
        var cache = Cache(maxBytes: 5 * FileBytes);
        var first = Package(0);
        var (local, hold) = await cache.LocalizeAndHoldAsync(first);
        hold!.Dispose();
        for (var i = 1; i < 6; i++)
        {
            (_, hold) = await cache.LocalizeAndHoldAsync(Package(i));
            hold!.Dispose();
            // The first package's job runs again on this node each time.
            (_, hold) = await cache.LocalizeAndHoldAsync(first);
            hold!.Dispose();
        }

        Assert.True(Directory.Exists(local.AppDir));
    }

    [Fact]
    public async Task A_held_package_is_never_evicted_and_goes_once_released()
    {
        var cache = Cache(maxBytes: 1);
        var (running, jobHold) = await cache.LocalizeAndHoldAsync(Package(0));
        // The pool's hold for the job code's live worker (as WorkerPool.HoldCode takes it).
        var workerHold = cache.TryHold(running);
        Assert.NotNull(workerHold);
        jobHold!.Dispose();

        var (second, secondHold) = await cache.LocalizeAndHoldAsync(Package(1));
        secondHold!.Dispose();
        Assert.True(File.Exists(Path.Combine(running.AppDir, WorkerStartInfo.WorkerAssembly)), "a package a live worker holds was evicted");

        workerHold.Dispose();
        var (third, thirdHold) = await cache.LocalizeAndHoldAsync(Package(2));
        Assert.False(Directory.Exists(running.AppDir), "a released package was kept past the bound");
        Assert.False(Directory.Exists(second.AppDir), "a released package was kept past the bound");
        Assert.True(Directory.Exists(third.AppDir));
        thirdHold!.Dispose();
    }

    [Fact]
    public async Task What_a_raylet_that_died_while_writing_left_is_removed()
    {
        var cache = Cache(maxBytes: 1);
        Directory.CreateDirectory(Apps);
        // No process has pid int.MaxValue - 1; its staging directory and a lock file of nothing are leftovers.
        var staging = Path.Combine(Apps, $"0123456789abcdef.staging-{int.MaxValue - 1}-x");
        Directory.CreateDirectory(staging);
        File.WriteAllBytes(Path.Combine(staging, "half"), new byte[100]);
        File.WriteAllText(Path.Combine(Apps, "fedcba9876543210.lock"), "");

        var (_, hold) = await cache.LocalizeAndHoldAsync(Package(0));
        hold!.Dispose();

        Assert.False(Directory.Exists(staging));
        Assert.False(File.Exists(Path.Combine(Apps, "fedcba9876543210.lock")));
    }

    public void Dispose() => _root.Delete(recursive: true);
}
