using Hl7.Fhir.Model;
using StmFhir.Exchange.Push;

namespace StmFhir.Exchange.Tests.Push;

public sealed class DeliveryStateTests
{
    private static PlannedWrite Write(WriteMode mode) => new()
    {
        Index = 0,
        Source = "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001",
        Resource = new Patient { Id = "p1" },
        Mode = mode,
        Id = mode == WriteMode.Put ? "p1" : null,
        Condition = mode == WriteMode.Put ? null : "identifier=a|b",
        Placeholder = "urn:uuid:0f0e0d0c-0000-4000-8000-000000000001",
    };

    public static TheoryData<string, bool, string?, int, string?, ResourceChange> Answers => new()
    {
        { nameof(WriteMode.Put), false, null, 201, "1", ResourceChange.Created },
        { nameof(WriteMode.ConditionalCreate), false, null, 200, "3", ResourceChange.Unchanged },
        // Nothing known before writing: a 200 alone cannot tell unchanged from updated.
        { nameof(WriteMode.Put), false, null, 200, "2", ResourceChange.Updated },
        // The target had none before: an earlier attempt created it and its answer was lost.
        { nameof(WriteMode.Put), true, null, 200, "1", ResourceChange.Created },
        { nameof(WriteMode.Put), true, "4", 200, "4", ResourceChange.Unchanged },
        { nameof(WriteMode.ConditionalUpdate), true, "4", 200, "5", ResourceChange.Updated },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public void Settle_TellsCreatedUpdatedOrUnchangedFromTheStatusAndTheVersionBeforeWriting(
        string mode, bool priorKnown, string? prior, int status, string? version, ResourceChange expected)
    {
        var write = Write(Enum.Parse<WriteMode>(mode));
        var state = new DeliveryState(0);
        if (priorKnown)
        {
            state.LearnPrior(write, prior);
        }

        var result = state.Settle(write, status, "t-1", version);

        Assert.Equal(new WriteResult("t-1", version, expected), result);
        Assert.Equal(result, state.ResultOf(write));
        Assert.Equal("Patient/t-1", state.StableReference(write));
    }

    [Fact]
    public void Settle_AnAnswerWithoutAnIdForAConditionalWrite_LeavesItUnsettled()
    {
        var write = Write(WriteMode.ConditionalUpdate);
        var state = new DeliveryState(0);

        Assert.Null(state.Settle(write, 200, null, "1"));
        Assert.False(state.IsSettled(write));
        Assert.Null(state.StableReference(write));
    }

    [Fact]
    public void ARememberedPerson_IsUnchanged_AndItsCheckingReadUpdatesOnlyTheVersion()
    {
        var person = Write(WriteMode.ConditionalCreate);
        var state = new DeliveryState(2);

        state.Remember(person, "t-9", "3");
        state.Confirm(person, null);
        var afterEmptyRead = state.ResultOf(person);
        state.Confirm(person, "4");

        Assert.Equal(new WriteResult("t-9", "3", ResourceChange.Unchanged), afterEmptyRead);
        Assert.Equal(new WriteResult("t-9", "4", ResourceChange.Unchanged), state.ResultOf(person));
        Assert.Equal([person], state.RememberedPeople);
        Assert.Equal(2, state.Requests);
    }
}
