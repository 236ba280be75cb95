using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace StmFhir.Exchange.Targets;

/// <summary>
/// The targets' options and recorded capabilities, and what delivery learned about their limits (a target that refuses
/// a transaction as too large gets smaller ones from then on; one that refuses a RiskAssessment by R4's literal ras-2
/// gets the literal ras-2 form). One per process; thread-safe. What delivery learned
/// about a target's resources is the deliverer's (<c>Push/TargetMemory.cs</c>).
/// </summary>
internal sealed partial class FhirTargets : IFhirTargets
{
    private readonly Dictionary<string, TargetState> _targets;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<FhirTargets> _logger;

    public FhirTargets(ExchangeOptions options, IHttpClientFactory httpClientFactory, TimeProvider timeProvider, ILogger<FhirTargets> logger)
    {
        _targets = options.Targets.ToDictionary(t => t.Name, t => new TargetState(t), StringComparer.Ordinal);
        Names = [.. options.Targets.Select(t => t.Name)];
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public IReadOnlyList<string> Names { get; }

    public FhirTargetOptions GetOptions(string name) => State(name).Options;

    public FhirCapabilities? RecordedCapabilities(string name) => State(name).Capabilities;

    public async Task<FhirCapabilities> GetCapabilitiesAsync(string name, CancellationToken cancellationToken = default)
    {
        var state = State(name);
        if (state.Capabilities is { } recorded)
        {
            return recorded;
        }
        await state.ProbeLock.WaitAsync(cancellationToken);
        try
        {
            return state.Capabilities ?? await ProbeCoreAsync(state, cancellationToken);
        }
        finally
        {
            state.ProbeLock.Release();
        }
    }

    public async Task<FhirCapabilities> ProbeAsync(string name, CancellationToken cancellationToken = default)
    {
        var state = State(name);
        await state.ProbeLock.WaitAsync(cancellationToken);
        try
        {
            return await ProbeCoreAsync(state, cancellationToken);
        }
        finally
        {
            state.ProbeLock.Release();
        }
    }

    /// <summary>A client for the target's FHIR API; cheap, one per delivery.</summary>
    public FhirTargetClient CreateClient(string name)
    {
        State(name);
        return new FhirTargetClient(_httpClientFactory.CreateClient(FhirTargetClient.HttpClientName(name)));
    }

    /// <summary>The entries a transaction may hold at this target: learned limits, never above the configured ones.</summary>
    public (int Plain, int Conditional) TransactionLimits(string name)
    {
        var state = State(name);
        return (Volatile.Read(ref state.MaxEntries), Volatile.Read(ref state.MaxConditionalEntries));
    }

    /// <summary>Records that the target refused a transaction of <paramref name="refusedSize"/> entries as too large.</summary>
    public void LowerTransactionLimit(string name, bool conditional, int refusedSize)
    {
        var state = State(name);
        var limit = Math.Max(1, refusedSize / 2);
        ref var field = ref conditional ? ref state.MaxConditionalEntries : ref state.MaxEntries;
        int current;
        while ((current = Volatile.Read(ref field)) > limit && Interlocked.CompareExchange(ref field, limit, current) != current)
        {
        }
        if (current > limit)
        {
            LogLimitLowered(name, conditional ? "conditional" : "plain", refusedSize, limit);
        }
    }

    /// <summary>
    /// Whether RiskAssessments go to this target in the literal ras-2 form (<see cref="FhirTargetCompatibilityOptions.LiteralRas2"/>):
    /// configured <c>On</c>, or learned from a refusal under <c>Detect</c>.
    /// </summary>
    public bool UsesLiteralRas2Form(string name) => Volatile.Read(ref State(name).LiteralRas2Form);

    /// <summary>
    /// Records that the target refused a transaction by the literal R4 ras-2; true when delivery should now send the
    /// literal ras-2 form (under <c>Detect</c>, the first time), false when it already did or the target's setting is <c>Off</c>.
    /// </summary>
    public bool LearnLiteralRas2Form(string name)
    {
        var state = State(name);
        if ((state.Options.Compatibility?.LiteralRas2 ?? FhirCompatibilityMode.Detect) != FhirCompatibilityMode.Detect
            || Interlocked.Exchange(ref state.LiteralRas2Form, true))
        {
            return false;
        }
        LogLiteralRas2Learned(name);
        return true;
    }

    private async Task<FhirCapabilities> ProbeCoreAsync(TargetState state, CancellationToken cancellationToken)
    {
        var name = state.Options.Name;
        FhirResponse response;
        try
        {
            response = await CreateClient(name).SendAsync(HttpMethod.Get, "metadata", null, cancellationToken);
        }
        catch (FhirTransportException e)
        {
            throw new FhirTargetUnavailableException(name, e.Message, e.IsTransient, null, e);
        }
        if (!response.IsSuccess)
        {
            throw new FhirTargetUnavailableException(name, $"GET metadata answered {response.Status}", response.IsTransientFailure, response.Status);
        }
        FhirCapabilities capabilities;
        try
        {
            capabilities = CapabilityStatementReader.Read(response.Body, _timeProvider.GetUtcNow());
        }
        catch (JsonException e)
        {
            throw new FhirTargetUnavailableException(name, "GET metadata did not answer with a CapabilityStatement", false, response.Status, e);
        }
        state.Capabilities = capabilities;
        LogProbed(name, capabilities.FhirVersion, capabilities.Transaction, capabilities.Batch, capabilities.Resources.Count(r => r.Value.UpdateCreate));
        return capabilities;
    }

    private TargetState State(string name) =>
        _targets.TryGetValue(name, out var state) ? state : throw new KeyNotFoundException($"No FHIR target named '{name}' is configured");

    [LoggerMessage(Level = LogLevel.Information, Message = "Target {Target}: FHIR {FhirVersion}, transaction {Transaction}, batch {Batch}, client ids accepted for {ClientIdTypes} resource types")]
    private partial void LogProbed(string target, string fhirVersion, bool transaction, bool batch, int clientIdTypes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} refused a {Kind} transaction of {Refused} entries as too large; sending at most {Limit} from now on")]
    private partial void LogLimitLowered(string target, string kind, int refused, int limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target} refused a RiskAssessment by R4's literal ras-2 (FHIR-25796); sending predictions without a probability in the literal-ras-2 form from now on")]
    private partial void LogLiteralRas2Learned(string target);

    private sealed class TargetState(FhirTargetOptions options)
    {
        public FhirTargetOptions Options { get; } = options;

        public SemaphoreSlim ProbeLock { get; } = new(1, 1);

        public volatile FhirCapabilities? Capabilities;

        public int MaxEntries = options.MaxEntriesPerTransaction;

        public int MaxConditionalEntries = options.MaxConditionalEntriesPerTransaction;

        public bool LiteralRas2Form = options.Compatibility?.LiteralRas2 == FhirCompatibilityMode.On;
    }
}
