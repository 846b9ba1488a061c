// netstandard2.0 lacks the marker type that init accessors (and so records) compile to; the compiler only
// needs it to exist. Internal, so it never clashes with the one in a newer framework.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
