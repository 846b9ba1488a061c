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

    // Made from the resolver, not from MessagePackSerializerOptions.Standard: touching Standard builds
    // StandardResolver, whose dynamic resolvers set up Reflection.Emit, Regex and System.Linq.Expressions
    // (~150 methods compiled and ~2 MiB resident) in every worker, even one whose values are all primitives.
    public static readonly MessagePackSerializerOptions Options = new MessagePackSerializerOptions(Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(1000));

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    // Built the first time a value is not a built-in type (see above).
    private static class Fallback
    {
        public static readonly IFormatterResolver Instance = CompositeResolver.Create(
            StandardResolver.Instance,
            ContractlessStandardResolverAllowPrivate.Instance);
    }

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
            // StandardResolver asks BuiltinResolver first too, so a built-in type gets the same formatter either way.
            return BuiltinResolver.Instance.GetFormatter<T>() ?? Fallback.Instance.GetFormatter<T>();
        }
    }
}
