using System.Security.Cryptography.X509Certificates;

namespace RaySharp.Common.Security;

/// <summary>
/// Mutual TLS for every TCP link of a cluster: each process presents <see cref="Certificate"/> and accepts
/// a peer only when the peer's certificate chains to the cluster's CA (<see cref="Authority"/>), both as a
/// server and as a client. Host names are not matched: the cluster's own CA vouches for its members, which
/// are addressed by IP and may share one certificate. Unix-socket links inside a node stay plain: they
/// live in a 0700 directory.
/// </summary>
public sealed class TlsSettings
{
    /// <summary>The environment variables (and the CLI's <c>--tls-cert/--tls-key/--tls-ca</c>) naming the PEM files.</summary>
    public const string CertVariable = "RAYSHARP_TLS_CERT";

    /// <summary>The PEM private key of <see cref="CertVariable"/>'s certificate.</summary>
    public const string KeyVariable = "RAYSHARP_TLS_KEY";

    /// <summary>The PEM certificate of the cluster's CA.</summary>
    public const string CaVariable = "RAYSHARP_TLS_CA";

    private TlsSettings(string certPath, string keyPath, string caPath, X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        CertPath = certPath;
        KeyPath = keyPath;
        CaPath = caPath;
        Certificate = certificate;
        Authority = authority;
    }

    public string CertPath { get; }

    public string KeyPath { get; }

    public string CaPath { get; }

    /// <summary>This process's certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates peers must chain to.</summary>
    public X509Certificate2Collection Authority { get; }

    /// <summary>Loads the three PEM files.</summary>
    /// <exception cref="ArgumentException">A file is missing or not a certificate/key.</exception>
    public static TlsSettings Load(string certPath, string keyPath, string caPath)
    {
        try
        {
            var loaded = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            // A key held only in memory cannot be used by SslStream on every platform: re-import as PKCS#12.
            var certificate = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
            var authority = new X509Certificate2Collection();
            authority.ImportFromPemFile(caPath);
            if (authority.Count == 0)
            {
                throw new ArgumentException($"{caPath} holds no CA certificate.");
            }
            return new TlsSettings(Path.GetFullPath(certPath), Path.GetFullPath(keyPath), Path.GetFullPath(caPath), certificate, authority);
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"TLS: cannot load certificate {certPath}, key {keyPath} and CA {caPath}: {ex.Message}", ex);
        }
    }

    /// <summary>From <see cref="CertVariable"/>, <see cref="KeyVariable"/> and <see cref="CaVariable"/>; null when none is set.</summary>
    public static TlsSettings? FromEnvironment() => From(
        Environment.GetEnvironmentVariable(CertVariable), Environment.GetEnvironmentVariable(KeyVariable), Environment.GetEnvironmentVariable(CaVariable));

    /// <summary>All three paths, or none; anything in between is an error that says what is missing.</summary>
    public static TlsSettings? From(string? certPath, string? keyPath, string? caPath)
    {
        // Counted by hand: every worker calls this, and LINQ here would load System.Linq into each one.
        var given = (string.IsNullOrEmpty(certPath) ? 0 : 1) + (string.IsNullOrEmpty(keyPath) ? 0 : 1) + (string.IsNullOrEmpty(caPath) ? 0 : 1);
        if (given == 0)
        {
            return null;
        }
        if (given != 3)
        {
            throw new ArgumentException("TLS needs all three of the certificate, its key and the CA certificate (--tls-cert, --tls-key, --tls-ca).");
        }
        return Load(certPath!, keyPath!, caPath!);
    }

    /// <summary>Whether <paramref name="peer"/> chains to the cluster's CA.</summary>
    public bool Trusts(X509Certificate? peer)
    {
        if (peer is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var certificate = peer as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(peer.GetRawCertData());
        return chain.Build(certificate);
    }

    /// <summary>The environment a child process needs to use the same files.</summary>
    public IEnumerable<KeyValuePair<string, string>> ToEnvironment() =>
    [
        new(CertVariable, CertPath),
        new(KeyVariable, KeyPath),
        new(CaVariable, CaPath),
    ];
}
