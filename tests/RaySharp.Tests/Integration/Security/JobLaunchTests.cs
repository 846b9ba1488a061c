using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using RaySharp.Common;
using RaySharp.Common.Ids;
using RaySharp.Common.Security;
using RaySharp.Protocol;
using RaySharp.Raylet;
using CoreWorker = RaySharp.Runtime.CoreWorker;

namespace RaySharp.Tests.Integration.Security;

/// <summary>
/// Least privilege: registering a job cannot make a raylet run a command, a code package runs only when
/// every file matches its SHA-256, hashes and paths are validated before they become file names, and
/// nodes or drivers of another RaySharp version are refused.
/// </summary>
[Collection("Cluster")]
public class JobLaunchTests(ClusterFixture cluster)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_job_that_names_a_shell_command_starts_nothing()
    {
        cluster.EnsureRunning();
        var driver = CoreWorker.Current!;
        var marker = Path.Combine(Path.GetTempPath(), "raysharp-pwned-" + Guid.NewGuid().ToString("N"));
        // What an older client (or an attacker) would send: a program, its arguments and an environment.
        var launch = new CodedBytes()
            .String(1, "/bin/sh").String(2, "-c").String(2, "touch " + marker)
            .Message(3, new CodedBytes().String(1, "LD_PRELOAD").String(2, "/tmp/evil.so"))
            .String(4, "/bin").Bytes(5, driver.NodeId.ToByteString());
        var request = new CodedBytes().Message(1, new CodedBytes().Bytes(2, UniqueId.New().ToByteString()))
            .Message(4, launch).String(5, RaySharpVersion.Current).String(2, "shell-job");
        using var gcs = new RawRpc(driver.Options.GcsEndpoint, CallGuard.BearerPrefix + ClusterSecurity.Current.Token);
        var reply = RegisterJobReply.Parser.ParseFrom(await gcs.UnaryAsync(Protocol.Gcs.Descriptor.FindMethodByName("RegisterJob"), request.ToArray(), s_deadline));
        try
        {
            var lease = await LeaseAsync(reply.JobId);
            Assert.Contains("has no RaySharp.dll", lease.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(marker), "the raylet ran the command a job named");
        }
        finally
        {
            await driver.Gcs.MarkJobFinishedAsync(new MarkJobFinishedRequest { JobId = reply.JobId }, deadline: DateTime.UtcNow + s_deadline);
        }
    }

    [Fact]
    public async Task Workers_that_die_before_registering_fail_the_lease_and_give_its_resources_back()
    {
        cluster.EnsureRunning();
        var driver = CoreWorker.Current!;
        // A directory whose RaySharp.dll is no assembly: every worker started from it exits at once.
        var app = Directory.CreateTempSubdirectory("rs-broken-");
        File.WriteAllText(Path.Combine(app.FullName, WorkerStartInfo.WorkerAssembly), "not an assembly");
        var job = await RegisterAsync(new WorkerLaunch { AppDir = app.FullName, DriverNodeId = driver.NodeId.ToByteString() });
        try
        {
            var total = Ray.ClusterResources()["CPU"];
            var lease = await LeaseAsync(job, cpus: 1);
            Assert.Contains("exited before they registered", lease.Error, StringComparison.Ordinal);
            Eventually.True(() => Ray.AvailableResources().GetValueOrDefault("CPU") == total, TimeSpan.FromSeconds(30), "the lease's CPU to come back");
        }
        finally
        {
            await driver.Gcs.MarkJobFinishedAsync(new MarkJobFinishedRequest { JobId = job }, deadline: DateTime.UtcNow + s_deadline);
            app.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_package_file_whose_bytes_do_not_match_its_hash_is_refused_and_nothing_of_it_runs()
    {
        cluster.EnsureRunning();
        var driver = CoreWorker.Current!;
        var claimed = RandomNumberGenerator.GetBytes(1000);
        var hash = Convert.ToHexStringLower(SHA256.HashData(claimed));
        // The GCS KV holds other bytes under that hash (a tampered store, or a hostile uploader).
        await driver.Gcs.KvPutAsync(new KvEntry { Ns = CodePackageCache.KvNamespace, Key = hash, Value = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(1000)) },
            deadline: DateTime.UtcNow + s_deadline);
        var launch = new WorkerLaunch { AppDir = "/nonexistent/raysharp-app", DriverNodeId = UniqueId.New().ToByteString() };
        launch.Package.Add(new PackageFile { Path = "RaySharp.dll", Hash = hash });
        var job = await RegisterAsync(launch);
        try
        {
            var lease = await LeaseAsync(job);
            Assert.Contains("does not match its hash", lease.Error, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(CodePackageCache.Root, "blobs", hash)), "a blob that failed verification was cached");
            Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(CodePackageCache.Root, "apps"), "RaySharp.dll", SearchOption.AllDirectories),
                f => File.ReadAllBytes(f).Length == 1000);
        }
        finally
        {
            await driver.Gcs.MarkJobFinishedAsync(new MarkJobFinishedRequest { JobId = job }, deadline: DateTime.UtcNow + s_deadline);
        }
    }

    [Theory]
    [InlineData("../../x", "RaySharp.dll")]
    [InlineData("/tmp/x", "RaySharp.dll")]
    [InlineData("ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789", "RaySharp.dll")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "../outside.dll")]
    [InlineData("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "/etc/cron.d/x")]
    public async Task Hashes_that_are_not_SHA256_and_paths_that_leave_the_package_are_refused(string hash, string path)
    {
        cluster.EnsureRunning();
        var launch = new WorkerLaunch { AppDir = "/nonexistent/raysharp-app", DriverNodeId = UniqueId.New().ToByteString() };
        launch.Package.Add(new PackageFile { Path = path, Hash = hash });
        var error = await Assert.ThrowsAsync<RpcException>(() => RegisterAsync(launch));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task Nodes_and_drivers_of_another_version_are_refused_with_both_versions_named()
    {
        cluster.EnsureRunning();
        var gcs = CoreWorker.Current!.Gcs;
        const string Other = "0.0.1-other";
        var node = await Assert.ThrowsAsync<RpcException>(async () => await gcs.RegisterNodeAsync(
            new NodeInfo { NodeId = UniqueId.New().ToByteString(), RayletEndpoint = "127.0.0.1:1", Version = Other }, deadline: DateTime.UtcNow + s_deadline));
        Assert.Equal(StatusCode.FailedPrecondition, node.StatusCode);
        Assert.Contains(Other, node.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(RaySharpVersion.Current, node.Status.Detail, StringComparison.Ordinal);
        var job = await Assert.ThrowsAsync<RpcException>(async () => await gcs.RegisterJobAsync(
            new RegisterJobRequest { Namespace = "other", Version = Other }, deadline: DateTime.UtcNow + s_deadline));
        Assert.Equal(StatusCode.FailedPrecondition, job.StatusCode);
        Assert.Contains(Other, job.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(RaySharpVersion.Current, job.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<ByteString> RegisterAsync(WorkerLaunch launch)
    {
        var driver = CoreWorker.Current!;
        var reply = await driver.Gcs.RegisterJobAsync(new RegisterJobRequest
        {
            Driver = new Address { WorkerId = UniqueId.New().ToByteString(), NodeId = driver.NodeId.ToByteString() },
            Namespace = "launch-tests",
            WorkerLaunch = launch,
            Version = RaySharpVersion.Current,
        }, deadline: DateTime.UtcNow + s_deadline);
        return reply.JobId;
    }

    private static async Task<LeaseReply> LeaseAsync(ByteString job, double cpus = 0)
    {
        var request = new LeaseRequest
        {
            JobId = job,
            FunctionName = "launch-test",
            OwnerWorkerId = UniqueId.New().ToByteString(),
        };
        if (cpus > 0)
        {
            request.Resources["CPU"] = cpus;
        }
        var reply = await CoreWorker.Current!.Raylet.RequestWorkerLeaseAsync(request, deadline: DateTime.UtcNow + s_deadline);
        if (reply.Error.Length == 0)
        {
            await CoreWorker.Current.Raylet.ReturnWorkerAsync(new ReturnWorkerRequest { LeaseId = reply.LeaseId }, deadline: DateTime.UtcNow + s_deadline);
        }
        return reply;
    }
}
