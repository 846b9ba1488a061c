using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace RaySharp.Serialization;

/// <summary>
/// MessagePack settings for user values: RaySharp's own types (ObjectRef inside values), then the
/// standard formatters, then contractless ones so that plain classes and records need no attributes.
/// </summary>
internal sealed class RayResolver : IFormatterResolver
{
    public static readonly RayResolver Instance = new();

    public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(1000));

    private static readonly IFormatterResolver s_fallback = CompositeResolver.Create(
        StandardResolver.Instance,
        ContractlessStandardResolverAllowPrivate.Instance);

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter = Create();

        private static IMessagePackFormatter<T>? Create()
        {
            var t = typeof(T);
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ObjectRef<>))
            {
                return (IMessagePackFormatter<T>)Activator.CreateInstance(typeof(ObjectRefFormatter<>).MakeGenericType(t.GetGenericArguments()))!;
            }
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ActorHandle<>))
            {
                return (IMessagePackFormatter<T>)Activator.CreateInstance(typeof(ActorHandleFormatter<>).MakeGenericType(t.GetGenericArguments()))!;
            }
            return s_fallback.GetFormatter<T>();
        }
    }
}
