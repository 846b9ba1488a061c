using System.Text;

namespace RaySharp.Tests.Integration;

/// <summary>
/// Copies what this process writes to Console.Out or Console.Error into a buffer, while still
/// writing it through, until disposed.
/// </summary>
public sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter _originalOut = Console.Out;
    private readonly TextWriter _originalError = Console.Error;
    private readonly StringBuilder _text = new();

    public ConsoleCapture()
    {
        Console.SetOut(TextWriter.Synchronized(new Tee(_originalOut, this)));
        Console.SetError(TextWriter.Synchronized(new Tee(_originalError, this)));
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public void Dispose()
    {
        Console.SetOut(_originalOut);
        Console.SetError(_originalError);
    }

    private void Append(string? s)
    {
        lock (_text)
        {
            _text.Append(s);
        }
    }

    private sealed class Tee(TextWriter inner, ConsoleCapture capture) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            inner.Write(value);
            capture.Append(value.ToString());
        }

        public override void Write(string? value)
        {
            inner.Write(value);
            capture.Append(value);
        }

        public override void WriteLine(string? value)
        {
            inner.WriteLine(value);
            capture.Append(value + Environment.NewLine);
        }

        public override void Flush() => inner.Flush();
    }
}
