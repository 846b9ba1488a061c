using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RaySharp.Bench.Security;

/// <summary>
/// A CA and a node certificate signed by it, made at run time (no checked-in keys), as PEM files: for the
/// TLS tests and `bench/security.sh` (`--make-test-certificates DIR`).
/// </summary>
public sealed record TestCertificates(string CaFile, string CertFile, string KeyFile)
{
    public static TestCertificates Create(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name} CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var nodeKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var nodeRequest = new CertificateRequest($"CN={name} node", nodeKey, HashAlgorithmName.SHA256);
        nodeRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        nodeRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, false));
        nodeRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        nodeRequest.CertificateExtensions.Add(names.Build());
        using var node = nodeRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), RandomNumberGenerator.GetBytes(8));

        var result = new TestCertificates(Path.Combine(directory, name + "-ca.pem"), Path.Combine(directory, name + "-node.pem"), Path.Combine(directory, name + "-node.key"));
        File.WriteAllText(result.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(result.CertFile, node.ExportCertificatePem());
        File.WriteAllText(result.KeyFile, nodeKey.ExportPkcs8PrivateKeyPem());
        return result;
    }

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        [Common.Security.TlsSettings.CertVariable] = CertFile,
        [Common.Security.TlsSettings.KeyVariable] = KeyFile,
        [Common.Security.TlsSettings.CaVariable] = CaFile,
    };

    public string[] Arguments => ["--tls-cert", CertFile, "--tls-key", KeyFile, "--tls-ca", CaFile];
}
