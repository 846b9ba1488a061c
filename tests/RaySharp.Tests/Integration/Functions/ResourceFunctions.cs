namespace RaySharp.Tests.Integration.Functions;

public sealed record GpuReport(int Pid, int[] Ids, string? CudaVisibleDevices);

public static class ResourceFunctions
{
    /// <summary>
    /// Reports the GPUs this task holds, after waiting (up to 30 s) until <paramref name="parties"/>
    /// tasks have arrived in <paramref name="barrierDirectory"/>: so the tasks hold their GPUs at the same time.
    /// </summary>
    public static GpuReport HoldGpuTogether(string barrierDirectory, int parties)
    {
        var ids = Ray.GetGpuIds().ToArray();
        var cuda = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES");
        File.WriteAllText(Path.Combine(barrierDirectory, Environment.ProcessId + "_" + Guid.NewGuid().ToString("N")), "");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Directory.GetFiles(barrierDirectory).Length < parties)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {Directory.GetFiles(barrierDirectory).Length} of {parties} GPU tasks arrived at the barrier within 30 s.");
            }
            Thread.Sleep(20);
        }
        return new GpuReport(Environment.ProcessId, ids, cuda);
    }

    public static int[] GpuIds() => Ray.GetGpuIds().ToArray();

    public static string Ran() => "ran";
}
