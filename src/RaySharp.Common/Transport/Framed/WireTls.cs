using System.Net.Security;
using RaySharp.Common.Security;

namespace RaySharp.Common.Transport.Framed;

/// <summary>
/// The TLS handshakes of wire connections, kept out of the connect and accept methods: a local of type
/// <see cref="SslStream"/> in an async method is a field of its state machine, so loading that method loaded
/// System.Net.Security (and its native TLS shim) into every worker, though a node's workers reach their raylet
/// over a Unix socket and never use TLS.
/// </summary>
internal static class WireTls
{
    /// <summary>Secures a client's TCP stream; the returned stream owns <paramref name="stream"/>.</summary>
    public static async Task<Stream> AuthenticateAsClientAsync(Stream stream, string host, TlsSettings tls, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = [tls.Certificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && tls.Trusts(certificate),
            }, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// <see cref="AuthenticateAsClientAsync"/> with blocking calls, for a socket no asynchronous operation has touched (a
    /// transfer connection, read and written with blocking calls from then on); the caller bounds it by closing the socket.
    /// </summary>
    public static Stream AuthenticateAsClient(Stream stream, string host, TlsSettings tls)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ClientCertificates = [tls.Certificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && tls.Trusts(certificate),
            });
            return ssl;
        }
        catch
        {
            ssl.Dispose();
            throw;
        }
    }

    /// <summary>Secures an accepted TCP stream, asking for the client's certificate; the returned stream owns <paramref name="stream"/>.</summary>
    public static async Task<Stream> AuthenticateAsServerAsync(Stream stream, TlsSettings tls, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = tls.Certificate,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && tls.Trusts(certificate),
            }, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A TLS handshake that failed (a wrong or untrusted certificate); asked here so the caller's catch names no TLS type.</summary>
    public static bool IsHandshakeFailure(Exception ex) => ex is System.Security.Authentication.AuthenticationException;
}
