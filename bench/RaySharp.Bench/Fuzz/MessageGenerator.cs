using System.Collections;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace RaySharp.Bench.Fuzz;

/// <summary>
/// Builds a random message of any protocol type by walking its descriptor: each field set or left unset,
/// repeated and map fields from empty to large, nested messages down to a depth limit, every value drawn
/// from <see cref="FieldValues"/>. A byte budget keeps one message within <see cref="MaxBytes"/> (roughly),
/// so the harness itself never allocates without bound.
/// </summary>
public sealed class MessageGenerator(Random rng)
{
    /// <summary>About how large one generated message may get.</summary>
    public const int MaxBytes = 256 * 1024;

    private const int MaxDepth = 6;

    private int _budget;

    /// <summary>A fresh random message of the type <paramref name="type"/> describes.</summary>
    public IMessage Next(MessageDescriptor type)
    {
        _budget = rng.Next(10) == 0 ? MaxBytes : 4096;
        return Fill(type, 0);
    }

    private IMessage Fill(MessageDescriptor type, int depth)
    {
        var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
        if (depth >= MaxDepth)
        {
            return message;
        }
        foreach (var field in type.Fields.InFieldNumberOrder())
        {
            if (_budget <= 0 || rng.Next(3) == 0)
            {
                continue;
            }
            if (field.IsMap)
            {
                var map = (IDictionary)field.Accessor.GetValue(message);
                var key = field.MessageType.FindFieldByNumber(1);
                var value = field.MessageType.FindFieldByNumber(2);
                for (var n = Count(); n > 0 && _budget > 0; n--)
                {
                    map[Value(key, depth)] = Value(value, depth);
                }
            }
            else if (field.IsRepeated)
            {
                var list = (IList)field.Accessor.GetValue(message);
                for (var n = Count(); n > 0 && _budget > 0; n--)
                {
                    list.Add(Value(field, depth));
                }
            }
            else
            {
                field.Accessor.SetValue(message, Value(field, depth));
            }
        }
        return message;
    }

    // Mostly a handful of elements; sometimes many (a large batch, a long id list).
    private int Count()
    {
        var roll = rng.Next(100);
        return roll < 75 ? rng.Next(4) : roll < 97 ? rng.Next(33) : rng.Next(2000);
    }

    private object Value(FieldDescriptor field, int depth)
    {
        _budget -= 2;
        return field.FieldType switch
        {
            FieldType.Bytes => FieldValues.Bytes(rng, ref _budget),
            FieldType.String => FieldValues.String(rng, ref _budget),
            FieldType.Bool => rng.Next(2) == 0,
            FieldType.Double => FieldValues.Double(rng),
            FieldType.Float => (float)FieldValues.Double(rng),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => FieldValues.Int(rng),
            FieldType.UInt32 or FieldType.Fixed32 => unchecked((uint)FieldValues.Int(rng)),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => FieldValues.Long(rng),
            FieldType.UInt64 or FieldType.Fixed64 => unchecked((ulong)FieldValues.Long(rng)),
            // Proto3 enums are open: numbers outside the declared values must be handled too.
            FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, rng.Next(4) == 0
                ? FieldValues.Int(rng)
                : field.EnumType.Values[rng.Next(field.EnumType.Values.Count)].Number),
            FieldType.Message => Fill(field.MessageType, depth + 1),
            _ => throw new NotSupportedException($"Field type {field.FieldType} of {field.FullName}."),
        };
    }
}
