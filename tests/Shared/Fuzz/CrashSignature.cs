namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>A short, stable name for a crash: the innermost exception's type and the method that threw it.</summary>
internal static class CrashSignature
{
    public static string Of(Exception exception)
    {
        while (exception is AggregateException { InnerException: { } inner } || exception is System.Reflection.TargetInvocationException { InnerException: { } _ })
        {
            exception = exception.InnerException!;
        }
        return Of(exception.GetType().FullName ?? exception.GetType().Name, exception.StackTrace);
    }

    /// <summary>From a type name and a stack trace as logged (<c>   at Namespace.Type.Method(...) in ...</c>).</summary>
    public static string Of(string exceptionType, string? stackTrace)
    {
        var frame = stackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at ", StringComparison.Ordinal));
        if (frame is null)
        {
            return exceptionType;
        }
        var method = frame[3..];
        var paren = method.IndexOf('(', StringComparison.Ordinal);
        return $"{exceptionType} at {(paren > 0 ? method[..paren] : method)}";
    }
}
