using StmFhir.Exchange.Audit;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>The audit trail's batch write: many rows per statement, across statement boundaries, retried batches kept once.</summary>
public abstract partial class ResourceStoreBehaviour
{
    private static AuditRecord AuditRecordOf(int i, DateTimeOffset at) =>
        new($"audit-{i:D4}", at.AddMilliseconds(i), "R", "read", 0, "tests", i % 3 == 0 ? ["Patient/a", "Patient/b", "Patient/a"] : [$"Patient/p{i}"],
            $"{{\"resourceType\":\"AuditEvent\",\"id\":\"audit-{i:D4}\"}}");

    [Fact]
    public async Task AuditWrite_OfMoreRecordsThanOneStatementHolds_KeepsEachRecordAndPatientOnce_AlsoWhenTheBatchIsRetried()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        var records = Enumerable.Range(0, 173).Select(i => AuditRecordOf(i, at)).ToList();

        await Store.Audit().WriteAsync(records);
        await Store.Audit().WriteAsync(records.Skip(40).Take(90).ToList()); // a retried part of the batch

        Assert.Equal(173, (await Store.Audit().SearchAsync(new AuditQuery(1, 0))).Total);
        Assert.Equal(58, (await Store.Audit().SearchAsync(new AuditQuery(1, 0) { Patients = ["Patient/a"] })).Total);
        Assert.Equal(58, (await Store.Audit().SearchAsync(new AuditQuery(1, 0) { Patients = ["Patient/b"] })).Total);
        Assert.Equal(1, (await Store.Audit().SearchAsync(new AuditQuery(1, 0) { Patients = ["Patient/p172"] })).Total);
        var newest = await Store.Audit().SearchAsync(new AuditQuery(2, 0));
        Assert.Equal(["audit-0172", "audit-0171"], newest.Records.Select(r => r.Id));
        Assert.Equal("{\"resourceType\":\"AuditEvent\",\"id\":\"audit-0100\"}", await Store.Audit().ReadAsync("audit-0100"));
    }
}
