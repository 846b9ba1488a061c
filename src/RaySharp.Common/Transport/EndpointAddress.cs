using System.Globalization;

namespace RaySharp.Common.Transport;

/// <summary>Parses the endpoint strings RaySharp passes around: "unix:/path" or "host:port".</summary>
public static class EndpointAddress
{
    public static bool IsUnix(string endpoint) => endpoint.StartsWith("unix:", StringComparison.Ordinal);

    public static (string Host, int Port) ParseHostPort(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new ArgumentException($"'{endpoint}' is not an address of the form host:port.", nameof(endpoint));
        }
        return (endpoint[..colon], port);
    }
}
