namespace StmFhir.Core.Sessions;

/// <summary>A business identifier: a namespace URI and a value in it.</summary>
/// <param name="System">Absolute URI of the identifier's namespace.</param>
/// <param name="Value">The identifier value.</param>
public sealed record IdentifierRecord(string System, string Value);

/// <summary>A person's name.</summary>
public sealed record PersonName
{
    /// <summary>Family name (surname).</summary>
    public required string Family { get; init; }

    /// <summary>Given names, in order.</summary>
    public IReadOnlyList<string> Given { get; init; } = [];
}

/// <summary>The treated patient.</summary>
public sealed record PatientRecord
{
    /// <summary>The patient's identifier (e.g. a medical record number); matched on, never duplicated.</summary>
    public required IdentifierRecord Identifier { get; init; }

    /// <summary>The patient's name.</summary>
    public required PersonName Name { get; init; }

    /// <summary>Date of birth.</summary>
    public required DateOnly BirthDate { get; init; }

    /// <summary>Administrative sex.</summary>
    public required AdministrativeSex Sex { get; init; }
}

/// <summary>The treating clinician.</summary>
public sealed record ClinicianRecord
{
    /// <summary>The clinician's identifier (e.g. an NPI); matched on, never duplicated.</summary>
    public required IdentifierRecord Identifier { get; init; }

    /// <summary>The clinician's name.</summary>
    public required PersonName Name { get; init; }
}
