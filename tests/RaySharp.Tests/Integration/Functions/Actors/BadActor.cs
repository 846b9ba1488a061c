namespace RaySharp.Tests.Integration.Functions.Actors;

/// <summary>Ray's Java FailureTest actor: its constructor or its method throws "Oops".</summary>
public sealed class BadActor
{
    public const string Message = "Oops";

    public BadActor(bool failOnCreation)
    {
        if (failOnCreation)
        {
            throw new InvalidOperationException(Message);
        }
    }

    public int BadMethod() => throw new InvalidOperationException(Message);

    public int GoodMethod() => 42;
}
