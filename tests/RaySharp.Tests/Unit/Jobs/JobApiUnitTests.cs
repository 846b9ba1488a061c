using RaySharp.Common.Jobs;
using RaySharp.Dashboard.Jobs;

namespace RaySharp.Tests.UnitTests.Jobs;

/// <summary>The job API's rules that need no cluster: status moves, working-dir packages, submission checks.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class JobApiUnitTests
{
    [Theory]
    [InlineData("PENDING", "RUNNING", true)]
    [InlineData("PENDING", "STOPPED", true)]
    [InlineData("PENDING", "FAILED", true)]
    [InlineData("PENDING", "SUCCEEDED", false)]
    [InlineData("RUNNING", "SUCCEEDED", true)]
    [InlineData("RUNNING", "FAILED", true)]
    [InlineData("RUNNING", "STOPPED", true)]
    [InlineData("RUNNING", "PENDING", false)]
    [InlineData("STOPPED", "FAILED", false)]
    [InlineData("SUCCEEDED", "STOPPED", false)]
    [InlineData("FAILED", "RUNNING", false)]
    public void A_job_moves_only_forward_and_never_out_of_a_final_status(string from, string to, bool allowed) =>
        Assert.Equal(allowed, JobStatusNames.CanMove(from, to));

    [Fact]
    public void Final_statuses_are_the_three_ends() =>
        Assert.Equal(["STOPPED", "SUCCEEDED", "FAILED"], JobStatusNames.All.Where(JobStatusNames.IsTerminal));

    [Fact]
    public void A_working_dir_package_is_named_by_its_content_and_unpacks_to_the_same_files()
    {
        var first = Directory.CreateTempSubdirectory("raysharp-pkg-");
        var second = Directory.CreateTempSubdirectory("raysharp-pkg-");
        var unpacked = Directory.CreateTempSubdirectory("raysharp-pkg-");
        try
        {
            foreach (var root in new[] { first, second })
            {
                Directory.CreateDirectory(Path.Combine(root.FullName, "sub"));
                File.WriteAllText(Path.Combine(root.FullName, "sub", "b.txt"), "bee");
                File.WriteAllText(Path.Combine(root.FullName, "run.sh"), "echo run");
                File.SetUnixFileMode(Path.Combine(root.FullName, "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var zip = WorkingDirPackage.Create(first.FullName);
            var name = WorkingDirPackage.NameOf(zip);

            // Same files, other directory and other times: the same package, so it is uploaded once.
            File.SetLastWriteTimeUtc(Path.Combine(second.FullName, "run.sh"), DateTime.UtcNow.AddDays(-3));
            Assert.Equal(name, WorkingDirPackage.NameOf(WorkingDirPackage.Create(second.FullName)));
            Assert.True(WorkingDirPackage.IsName(name));
            Assert.Equal(name, WorkingDirPackage.NameFromUri(WorkingDirPackage.UriOf(name)));

            File.WriteAllText(Path.Combine(second.FullName, "sub", "b.txt"), "bee!");
            Assert.NotEqual(name, WorkingDirPackage.NameOf(WorkingDirPackage.Create(second.FullName)));

            System.IO.Compression.ZipFile.ExtractToDirectory(new MemoryStream(zip), unpacked.FullName);
            Assert.Equal("bee", File.ReadAllText(Path.Combine(unpacked.FullName, "sub", "b.txt")));
            Assert.True(File.GetUnixFileMode(Path.Combine(unpacked.FullName, "run.sh")).HasFlag(UnixFileMode.UserExecute), "the script lost its execute bit");
        }
        finally
        {
            first.Delete(recursive: true);
            second.Delete(recursive: true);
            unpacked.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("gcs://_raysharp_pkg_0000000000000000000000000000000000000000000000000000000000000000.zip", true)]
    [InlineData("gcs://_raysharp_pkg_ABCD000000000000000000000000000000000000000000000000000000000000.zip", false)]
    [InlineData("gcs://_raysharp_pkg_../../etc/passwd.zip", false)]
    [InlineData("/home/me/app", false)]
    [InlineData("s3://bucket/pkg.zip", false)]
    public void Only_this_clusters_package_URIs_name_a_package(string uri, bool isPackage) =>
        Assert.Equal(isPackage, WorkingDirPackage.NameFromUri(uri) is not null);

    [Fact]
    public void A_missing_working_dir_is_refused_at_the_call() =>
        Assert.Throws<ArgumentException>(() => WorkingDirPackage.Create(Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid())));

    [Theory]
    [InlineData(null, null, "needs an entrypoint")]
    [InlineData("  ", null, "needs an entrypoint")]
    [InlineData("echo", "../x", "not usable")]
    [InlineData("echo", "a b", "not usable")]
    [InlineData("echo", "", "not usable")]
    public void A_submission_without_an_entrypoint_or_with_an_unsafe_id_is_refused(string? entrypoint, string? id, string message) =>
        Assert.Contains(message, JobSubmitValidation.Problem(new JobSubmitBody { Entrypoint = entrypoint, SubmissionId = id }), StringComparison.Ordinal);

    [Fact]
    public void A_runtime_env_is_checked_field_by_field()
    {
        Assert.Null(JobSubmitValidation.Problem(new JobSubmitBody { Entrypoint = "echo", SubmissionId = "job_1.a-b", RuntimeEnv = new JobRuntimeEnvBody { EnvVars = new() { ["A"] = "1" } } }));
        Assert.Contains("working_dir", JobSubmitValidation.Problem(new JobSubmitBody { Entrypoint = "echo", RuntimeEnv = new JobRuntimeEnvBody { WorkingDir = "/tmp" } }), StringComparison.Ordinal);
        Assert.Contains("no '='", JobSubmitValidation.Problem(new JobSubmitBody { Entrypoint = "echo", RuntimeEnv = new JobRuntimeEnvBody { EnvVars = new() { ["A=B"] = "1" } } }), StringComparison.Ordinal);
        Assert.Contains("metadata", JobSubmitValidation.Problem(new JobSubmitBody { Entrypoint = "echo", Metadata = new() { [""] = "x" } }), StringComparison.Ordinal);
    }
}
