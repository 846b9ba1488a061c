namespace RaySharpApp;

/// <summary>An actor: its state lives in its worker process for as long as a handle to it does.</summary>
public class Counter
{
    private int _value;

    public int Increment() => ++_value;
}
