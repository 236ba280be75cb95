namespace StmFhir.Exchange.Store;

/// <summary>
/// Group commit for a database with one writer (SQLite): change sets that arrive while a commit is running wait, and are
/// then written together in one transaction, each under its own savepoint, with one durable commit (one fsync) for all.
/// </summary>
/// <remarks>
/// Each change set is still all or nothing and gets its own result: one that is rejected (or fails) is rolled back to
/// its savepoint and fails alone, and the others commit. Nobody is told "committed" before the group's commit has
/// returned; if the commit itself fails, every change set of the group fails with that error and nothing of it is
/// written. A change set sees the ones written before it in its group, as it would see them committed one by one, so
/// the same session sent twice at once still gives one created and one unchanged.
/// Why: with every layer of validation on, ingest on two cores was bound by the store's durable commits (an fsync and the
/// WAL pages of every index each time), not by SQLite's B-trees. There is no waiting for company: a group is whatever
/// queued during the previous commit, so a lone writer commits at once.
/// </remarks>
internal sealed class CommitGroups(Func<IReadOnlyList<CommitGroups.Pending>, Task> commitGroup)
{
    /// <summary>The most change sets one transaction takes, which bounds how long a group holds the writer.</summary>
    public const int MaxGroup = 32;

    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private bool _running;
    private long _groupsRun;
    private long _submitted;

    /// <summary>How many change sets have been handed in, for tests and diagnostics.</summary>
    public long Submitted => Interlocked.Read(ref _submitted);

    /// <summary>How many groups have been written (committed or not), for tests and diagnostics.</summary>
    public long GroupsRun => Interlocked.Read(ref _groupsRun);

    /// <summary>A change set waiting for its group, and how it ends.</summary>
    internal sealed class Pending(ChangeSet changes, PreparedChange?[] prepared, CancellationToken cancellationToken)
    {
        private readonly TaskCompletionSource<CommitResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ChangeSet Changes => changes;

        public PreparedChange?[] Prepared => prepared;

        /// <summary>The caller gave up before its group started: it is not written.</summary>
        public CancellationToken CancellationToken => cancellationToken;

        public Task<CommitResult> Task => _done.Task;

        public void Succeed(CommitResult result) => _done.TrySetResult(result);

        public void Fail(Exception exception) => _done.TrySetException(exception);
    }

    public Task<CommitResult> CommitAsync(ChangeSet changes, PreparedChange?[] prepared, CancellationToken cancellationToken)
    {
        var pending = new Pending(changes, prepared, cancellationToken);
        Interlocked.Increment(ref _submitted);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            start = !_running;
            _running = true;
        }
        if (start)
        {
            // The loop runs apart from the request that started it, so that request waits for its own group only.
            _ = System.Threading.Tasks.Task.Run(RunAsync, CancellationToken.None);
        }
        return pending.Task;
    }

    private async Task RunAsync()
    {
        while (true)
        {
            var group = new List<Pending>();
            lock (_gate)
            {
                while (group.Count < MaxGroup && _queue.TryDequeue(out var next))
                {
                    group.Add(next);
                }
                if (group.Count == 0)
                {
                    _running = false;
                    return;
                }
            }
            Interlocked.Increment(ref _groupsRun);
            try
            {
                await commitGroup(group).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                foreach (var pending in group)
                {
                    pending.Fail(e);
                }
            }
        }
    }
}
