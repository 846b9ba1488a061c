using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// Blocks the calling thread in poll(2) until a socket has bytes to read (or is shut down). A connection read by a
/// thread of its own waits here and then reads what arrived without waiting again: the thread wakes straight from the
/// kernel, where a blocking <see cref="Socket.Receive(Span{byte})"/> on a socket that .NET has made non-blocking (any
/// async operation does) waits for the sockets' event thread to signal it — one more thread woken per message.
/// Linux only; elsewhere such a connection keeps its asynchronous reader.
/// </summary>
internal static partial class SocketReadiness
{
    private const short PollIn = 0x1;

    // Woken this often with nothing to read, so a reader whose socket was closed without a shutdown still ends.
    private const int WakeMs = 1000;

    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Waits until <paramref name="socket"/> is readable, hung up or in error; false if it was closed meanwhile.</summary>
    public static bool Wait(Socket socket, Func<bool> closed)
    {
        while (!closed())
        {
            int ready;
            var handle = socket.SafeHandle;
            var added = false;
            try
            {
                // Held while polling: a close from another thread then shuts the socket down (which wakes the poll)
                // and waits for this release before the descriptor is freed, so its number is never reused under us.
                handle.DangerousAddRef(ref added);
                var fd = new PollFd { Fd = (int)handle.DangerousGetHandle(), Events = PollIn };
                ready = Poll(ref fd, 1, WakeMs);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
            if (ready > 0)
            {
                return true;
            }
            if (ready < 0 && Marshal.GetLastPInvokeError() != 4)
            {
                // Not EINTR: let the read itself report what is wrong with the socket.
                return true;
            }
        }
        return false;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);
}
