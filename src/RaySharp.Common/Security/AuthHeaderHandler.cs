namespace RaySharp.Common.Security;

/// <summary>The client's half of <see cref="CallGuard"/>: adds the cluster token to every request of a channel.</summary>
internal sealed class AuthHeaderHandler(string token, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly string _value = CallGuard.BearerPrefix + token;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("authorization", _value);
        return base.SendAsync(request, cancellationToken);
    }
}
