namespace StmFhir.Exchange.Store;

/// <summary>Why a change set was refused.</summary>
public enum StoreRejection
{
    /// <summary>A change is malformed (bad id, unsupported condition): the client's request is wrong (HTTP 400).</summary>
    Invalid,

    /// <summary>An If-Match version is stale (HTTP 412).</summary>
    PreconditionFailed,

    /// <summary>
    /// A change would store a second Patient or Practitioner with an identifier another one has, which would make
    /// intake's match by identifier ambiguous (HTTP 409); the message names the existing resource.
    /// </summary>
    Conflict,
}

/// <summary>A change set was refused as a whole; nothing was written.</summary>
public sealed class StoreRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StoreRejectedException(StoreRejection reason, string message, int changeIndex)
        : base(message)
    {
        Reason = reason;
        ChangeIndex = changeIndex;
    }

    /// <summary>Why the change set was refused.</summary>
    public StoreRejection Reason { get; }

    /// <summary>The index of the offending change in the change set.</summary>
    public int ChangeIndex { get; }
}
