namespace RaySharp.Samples;

// Seed example 8 (num_gpus=1, ray.get_gpu_ids()): a task that asks for GPUs is given ids, and
// CUDA_VISIBLE_DEVICES in its process names the same ones. The cluster declares 2 (fake) GPUs.
public static class GpuIds
{
    public sealed record Seen(int[] Ids, string? CudaVisibleDevices);

    public static void Run(string[] args)
    {
        // Two one-GPU tasks at once (each holds its GPU for 1 s), then one task that takes both.
        var one = Enumerable.Range(0, 2).Select(_ => Ray.Task(GpuMethod).SetResource("GPU", 1).Remote()).ToList();
        var two = Ray.Task(GpuMethod).SetResource("GPU", 2).Remote();
        var seen = Ray.Get(one).Append(Ray.Get(two)).ToList();

        foreach (var s in seen)
        {
            var ids = string.Join(",", s.Ids);
            Check.That(s.CudaVisibleDevices == ids, $"CUDA_VISIBLE_DEVICES \"{s.CudaVisibleDevices}\" to match the GPU ids [{ids}]");
            Check.That(s.Ids.All(id => id is 0 or 1), $"GPU ids within 0..1, got [{ids}]");
        }
        Check.That(seen[0].Ids.Length == 1 && seen[1].Ids.Length == 1, "one id for each one-GPU task");
        Check.That(seen[2].Ids.Order().SequenceEqual([0, 1]), $"ids [0, 1] for the two-GPU task, got [{string.Join(",", seen[2].Ids)}]");
        Check.That(Ray.GetGpuIds().Count == 0, "no GPU ids in the driver");
        Console.WriteLine($"driver: Ray.GetGpuIds() = [], cluster GPUs = {Ray.ClusterResources()["GPU"]}");
    }

    private static Seen GpuMethod()
    {
        var ids = Ray.GetGpuIds().ToArray();
        var cuda = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES");
        Console.WriteLine($"This function is allowed to use GPUs [{string.Join(", ", ids)}]; CUDA_VISIBLE_DEVICES={cuda}");
        Thread.Sleep(1000);
        return new Seen(ids, cuda);
    }
}
