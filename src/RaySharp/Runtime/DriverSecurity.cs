using RaySharp.Common.Security;

namespace RaySharp.Runtime;

/// <summary>
/// A driver's <see cref="ClusterSecurity"/>, from its <see cref="RayConfig"/> and the environment. A local
/// cluster may create the user's token; a driver that joins one must find it (or is told how to get it).
/// </summary>
internal static class DriverSecurity
{
    public static ClusterSecurity Resolve(RayConfig config)
    {
        TlsSettings? tls;
        string? token;
        try
        {
            tls = TlsSettings.From(config.TlsCertificateFile, config.TlsKeyFile, config.TlsCaFile) ?? TlsSettings.FromEnvironment();
            token = config.AuthToken is null && AuthToken.DisabledByEnvironment()
                ? null
                : ClusterSecurity.ResolveToken(config.AuthToken, createUserToken: config.ResolvedAddress is null);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(ex.Message, nameof(config), ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new RayException($"Cannot join the cluster at {config.ResolvedAddress}: {ex.Message}", ex);
        }
        var security = new ClusterSecurity { Token = token, Tls = tls };
        ClusterSecurity.Use(security);
        return security;
    }
}
