using System.Net.Http.Headers;
using RaySharp.Common.Security;

namespace RaySharp;

/// <summary>
/// An HTTP client of a head's dashboard (the job API, the state API): its base URL, the cluster's token as a
/// bearer header, and, when the cluster has TLS, trust in the cluster's CA for the head's certificate.
/// </summary>
internal static class DashboardHttp
{
    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(10);

    /// <param name="address">The dashboard's URL (a bare HOST:PORT means http).</param>
    /// <param name="authToken">The token; null reads it as drivers do (RAYSHARP_AUTH_TOKEN, RAYSHARP_AUTH_TOKEN_PATH, ~/.raysharp/auth_token).</param>
    /// <param name="timeout">How long one request may take.</param>
    /// <param name="what">The API's name, for the error message.</param>
    /// <exception cref="ArgumentException">The address is not an http(s) URL or HOST:PORT, or the token is not usable.</exception>
    public static HttpClient Create(string address, string? authToken, TimeSpan timeout, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var baseAddress = Normalize(address, what);
        var token = authToken is null ? AuthToken.FromEnvironment() ?? AuthToken.FromUserFile() : AuthToken.Check(authToken, "the authToken argument");
        var handler = new SocketsHttpHandler { ConnectTimeout = s_connectTimeout };
        if (TlsSettings.FromEnvironment() is { } tls)
        {
            // A head with the cluster's TLS serves the cluster's certificate: trust the cluster's CA for it.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None || tls.Trusts(certificate);
        }
        var http = new HttpClient(handler) { BaseAddress = new Uri(baseAddress), Timeout = timeout };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return http;
    }

    private static string Normalize(string address, string what)
    {
        var withScheme = address.Contains("://", StringComparison.Ordinal) ? address : "http://" + address;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            throw new ArgumentException($"The {what}'s address must be an http(s) URL such as http://127.0.0.1:8265, not '{address}'.", nameof(address));
        }
        return uri.GetLeftPart(UriPartial.Authority) + "/";
    }
}
