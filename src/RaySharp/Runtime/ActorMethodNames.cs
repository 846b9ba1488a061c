using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Emit;

namespace RaySharp.Runtime;

/// <summary>
/// The name of the actor method a call's lambda invokes: <c>a.Task(c => c.Add(1))</c> is <c>Counter.Add</c>, as Ray names
/// an actor task <c>Class.method</c> in the state API, the timeline and <see cref="RuntimeContext.TaskName"/>. Found in
/// the lambda's IL: the last call of a method the actor's class has (arguments are computed before the call they feed,
/// so in <c>c => c.Add(c.Total)</c> that is <c>Add</c>). Without it every call through a lambda would be named after the
/// caller's class and "&lt;lambda&gt;". An async lambda's calls are read from its state machine.
/// </summary>
internal static class ActorMethodNames
{
    // Opcodes by their byte (the two-byte ones, 0xFE xx, by their second byte); a default entry (Size 0) is not an opcode.
    private static readonly OpCode[] s_oneByte = new OpCode[256];
    private static readonly OpCode[] s_twoByte = new OpCode[256];

    static ActorMethodNames()
    {
        foreach (var field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)field.GetValue(null)!;
            var value = (ushort)op.Value;
            (op.Size == 1 ? s_oneByte : s_twoByte)[value & 0xFF] = op;
        }
    }

    /// <summary>
    /// <c>Class.Method</c> for the last method of the actor's class (the lambda's first parameter) that
    /// <paramref name="lambda"/> calls; null when it is not a lambda or calls none (then it is named as any function).
    /// </summary>
    public static string? Find(MethodInfo lambda) =>
        FindTarget(lambda) is { } target ? lambda.GetParameters()[0].ParameterType.Name + "." + target.Name : null;

    /// <summary>
    /// <see cref="FindTarget"/>, as the actor's class overrides it: the compiler calls a virtual method by its first
    /// declaration, and an attribute on an override would otherwise be missed.
    /// </summary>
    public static MethodBase? FindOverride(MethodInfo lambda)
    {
        var found = FindTarget(lambda);
        if (found is not MethodInfo { IsVirtual: true } target)
        {
            return found;
        }
        var parameters = target.GetParameters();
        var types = new Type[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            types[i] = parameters[i].ParameterType;
        }
        try
        {
            return lambda.GetParameters()[0].ParameterType.GetMethod(target.Name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, types) ?? target;
        }
        catch (AmbiguousMatchException)
        {
            return target;
        }
    }

    /// <summary>The last method of the actor's class (the lambda's first parameter) that <paramref name="lambda"/> calls; null when none.</summary>
    public static MethodBase? FindTarget(MethodInfo lambda)
    {
        var parameters = lambda.GetParameters();
        if (parameters.Length == 0 || !lambda.Name.StartsWith('<') || lambda.Name.Contains(">g__", StringComparison.Ordinal))
        {
            return null;
        }
        var actorType = parameters[0].ParameterType;
        MethodBase? last = null;
        try
        {
            // An async lambda's body is a stub that starts its state machine: the calls are in the machine's MoveNext.
            var body = lambda.GetCustomAttribute<System.Runtime.CompilerServices.AsyncStateMachineAttribute>()?.StateMachineType
                ?.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic) ?? (MethodBase)lambda;
            var il = body.GetMethodBody()?.GetILAsByteArray();
            var i = 0;
            while (il is not null && i < il.Length)
            {
                OpCode op;
                if (il[i] == 0xFE && i + 1 < il.Length)
                {
                    op = s_twoByte[il[i + 1]];
                    i += 2;
                }
                else
                {
                    op = s_oneByte[il[i]];
                    i++;
                }
                if (op.Size == 0)
                {
                    return null;
                }
                if ((op == OpCodes.Call || op == OpCodes.Callvirt) && i + 4 <= il.Length
                    && body.Module.ResolveMethod(BinaryPrimitives.ReadInt32LittleEndian(il.AsSpan(i)), body.DeclaringType?.GetGenericArguments(),
                        body.IsGenericMethod ? body.GetGenericArguments() : null) is { DeclaringType: { } declaring } target
                    && declaring != typeof(object) && declaring.IsAssignableFrom(actorType))
                {
                    last = target;
                }
                i += OperandSize(op.OperandType, il, i);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A body that cannot be read or resolved here (a type or assembly missing, a version skew): only a name is
            // at stake, so the lambda keeps the one any function gets.
            return null;
        }
        return last;
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        // A count, then that many 4-byte targets; a count past the body's end ends the scan.
        OperandType.InlineSwitch => at + 4 <= il.Length && BinaryPrimitives.ReadUInt32LittleEndian(il.AsSpan(at)) is var n && n <= (uint)(il.Length - at - 4) / 4
            ? 4 + 4 * (int)n
            : il.Length,
        _ => 4,
    };
}
