namespace StmFhir.Core.Sessions;

/// <summary>One problem found in a session record, located by the JSON path of the offending field.</summary>
/// <param name="Path">JSON path of the field, e.g. <c>$.romMeasurements[2].degrees</c>.</param>
/// <param name="Message">What is wrong, in words a developer can act on.</param>
public sealed record SessionProblem(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>The outcome of reading a session record: the session, or every problem found.</summary>
/// <param name="Session">The session, when there were no problems.</param>
/// <param name="Problems">Every problem found; empty on success.</param>
public sealed record SessionReadResult(StmSession? Session, IReadOnlyList<SessionProblem> Problems)
{
    /// <summary>True when the record was read without problems.</summary>
    public bool IsValid => Session is not null && Problems.Count == 0;

    /// <summary>Set when the text is not JSON at all, or nests too deep, so no field was read (a 400 over HTTP, not a 422).</summary>
    public JsonSyntaxError? NotJson { get; init; }
}

/// <summary>Where a text stopped being JSON the reader accepts.</summary>
/// <param name="Line">Its line, from 1.</param>
/// <param name="Byte">Its byte in that line, from 1.</param>
/// <param name="TooDeep">True when the text nests deeper than allowed (rather than breaking JSON's syntax).</param>
public sealed record JsonSyntaxError(long? Line, long? Byte, bool TooDeep);
