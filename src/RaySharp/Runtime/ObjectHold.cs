using RaySharp.Common.Ids;
using RaySharp.Protocol;

namespace RaySharp.Runtime;

/// <summary>
/// An object a submitted task or call keeps alive until it finishes (see <see cref="TaskArguments.Add"/>): its id and
/// owner as they are, not as a wire message. A driver with a million tasks queued on one ref holds a million of these,
/// and the message form (an object, its id's bytes and their array) cost five times the bytes.
/// </summary>
internal readonly record struct ObjectHold(ObjectId Id, Address Owner);
