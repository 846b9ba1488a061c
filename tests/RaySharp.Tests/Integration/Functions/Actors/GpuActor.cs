namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>An actor that reports the GPUs it holds, as its constructor saw them and as a method sees them.</summary>
public sealed class GpuActor
{
    private readonly int[] _atCreation = Ray.GetGpuIds().ToArray();
    private readonly string? _cudaAtCreation = Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES");

    public static GpuActor Create() => new();

    public GpuReport AtCreation() => new(Environment.ProcessId, _atCreation, _cudaAtCreation);

    public GpuReport Now() => new(Environment.ProcessId, Ray.GetGpuIds().ToArray(), Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES"));

    public string[] AcceleratorGpuIds() => [.. Ray.GetRuntimeContext().AcceleratorIds["GPU"]];
}
