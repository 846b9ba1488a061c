namespace RaySharp.Samples;

/// <summary>Thrown when a sample's result is not what the seed example promises.</summary>
public sealed class SampleFailedException(string message) : Exception(message);

public static class Check
{
    public static void That(bool condition, string expectation)
    {
        if (!condition)
        {
            throw new SampleFailedException("Expected " + expectation);
        }
    }
}
