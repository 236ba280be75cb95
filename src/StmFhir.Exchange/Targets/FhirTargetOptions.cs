namespace StmFhir.Exchange.Targets;

/// <summary>
/// One external FHIR server that StmFhir delivers to (configuration section <c>Exchange:Targets:N</c>).
/// Validated when the exchange services are registered (<see cref="TargetsServiceCollectionExtensions"/>).
/// </summary>
public sealed class FhirTargetOptions
{
    /// <summary>
    /// The target's name, used in logs, delivery records and Provenance: letters, digits, '-', '_' and '.', at most 64
    /// characters, unique among the targets. Required.
    /// </summary>
    public string Name { get; set; } = "";

    /// <summary>The FHIR R4 base URL (http or https), e.g. <c>https://ehr.example.org/fhir/R4</c>. Required.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>How requests authenticate. The default is no authentication.</summary>
    public FhirTargetAuthOptions Auth { get; set; } = new();

    /// <summary>
    /// The most entries one transaction of plain PUTs may hold; larger deliveries are split. The default value is 50,
    /// Medplum's limit on update operations per transaction. Range 1 to 1000.
    /// </summary>
    public int MaxEntriesPerTransaction { get; set; } = 50;

    /// <summary>
    /// The most entries a transaction that holds a conditional entry (conditional create or update) may hold. The default
    /// value is 8, Medplum's limit for transactions that need strict isolation. Range 1 to
    /// <see cref="MaxEntriesPerTransaction"/>.
    /// </summary>
    public int MaxConditionalEntriesPerTransaction { get; set; } = 8;

    /// <summary>
    /// Whether a delivery reads the versions the target holds before writing, in the same batch that resolves Patient
    /// and Practitioner, so that it can tell updated from unchanged (both answer 200). Only resources whose version this
    /// process has not remembered from an earlier delivery are read. Without it a 200 for a resource not remembered is
    /// reported as <c>Updated</c>. The default value is true; turn it off for a target where reads are expensive.
    /// </summary>
    public bool ReadVersionsBeforeWriting { get; set; } = true;

    /// <summary>Forms of valid FHIR that this target is known to refuse, and what is sent instead (Push/DELIVERY.md, "Compatibility").</summary>
    public FhirTargetCompatibilityOptions Compatibility { get; set; } = new();

    /// <summary>
    /// What happens when a session changed both here and at this target since they last agreed (a <c>412</c> to an
    /// update sent with <c>If-Match</c>, or a pull that finds the target's version changed while a local change is not
    /// delivered yet): <see cref="ConflictPolicy.Manual"/> keeps both sides and lists the conflict until an operator
    /// resolves it (<c>stmfhir outbox resolve</c>); <see cref="ConflictPolicy.Ours"/> sends the local version over the
    /// target's; <see cref="ConflictPolicy.Theirs"/> takes the target's version into the store. The default value is
    /// <see cref="ConflictPolicy.Manual"/>.
    /// </summary>
    public ConflictPolicy ConflictPolicy { get; set; } = ConflictPolicy.Manual;

    /// <summary>Retries, timeouts and the circuit breaker of this target's HTTP client.</summary>
    public FhirTargetResilienceOptions Resilience { get; set; } = new();

    /// <summary>Pulling STM sessions from this target (<c>stmfhir pull</c>, and the gateway's scheduled pull).</summary>
    public FhirTargetPullOptions Pull { get; set; } = new();
}

/// <summary>Pulling from one target (configuration section <c>Exchange:Targets:N:Pull</c>; see Pull/PULL.md).</summary>
public sealed class FhirTargetPullOptions
{
    /// <summary>Whether the gateway pulls from this target on a schedule. The default value is false (off).</summary>
    public bool Enabled { get; set; }

    /// <summary>The time from the end of one scheduled pull to the start of the next. The default value is 5 minutes. Range 100 ms to 1 day.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Resources per search page (<c>_count</c>) of each scan (Procedure, Observation, RiskAssessment). The default value is 100. Range 1 to 1000. Medplum pages with a cursor
    /// (safe against rows that change during a pull) from 20 up; smaller pages use offsets.
    /// </summary>
    public int PageSize { get; set; } = 100;
}

/// <summary>
/// Compatibility with servers that refuse valid R4 (configuration section <c>Exchange:Targets:N:Compatibility</c>). What is
/// sent in place of the refused form carries the same information, and pull reads it back to the same session.
/// </summary>
public sealed class FhirTargetCompatibilityOptions
{
    /// <summary>
    /// RiskAssessment predictions that have a qualitative risk but no probability, which a server applying R4's text of
    /// invariant ras-2 literally refuses (FHIR-25796, fixed in R4B; Medplum 4.5.2, Firely's validator): in the
    /// literal-ras-2 form each also carries a <c>probabilityRange</c> holding only the data-absent-reason extension
    /// (<c>unsupported</c>), with no number. The default value is <see cref="FhirCompatibilityMode.Detect"/>: correct R4
    /// until the target refuses a transaction citing ras-2, then this form for that target from then on (in this process).
    /// </summary>
    public FhirCompatibilityMode LiteralRas2 { get; set; } = FhirCompatibilityMode.Detect;
}

/// <summary>When a compatibility form is sent to a target.</summary>
public enum FhirCompatibilityMode
{
    /// <summary>Correct FHIR until the target refuses it for the known reason; then the compatibility form, and that transaction sent again.</summary>
    Detect,

    /// <summary>Always the compatibility form (a target known to refuse the correct one).</summary>
    On,

    /// <summary>Never: the correct form only, and a refusal is a permanent failure as any other.</summary>
    Off,
}

/// <summary>Who wins when a session changed on both sides (<see cref="FhirTargetOptions.ConflictPolicy"/>).</summary>
public enum ConflictPolicy
{
    /// <summary>Neither side: the conflict is kept and listed until an operator resolves it.</summary>
    Manual,

    /// <summary>The local version is sent to the target over its own (still with <c>If-Match</c> on the version seen).</summary>
    Ours,

    /// <summary>The target's version is taken into the store (and so to the other targets).</summary>
    Theirs,
}

/// <summary>How StmFhir authenticates to a target.</summary>
public enum FhirTargetAuthKind
{
    /// <summary>No Authorization header.</summary>
    None,

    /// <summary>A static bearer token (<see cref="FhirTargetAuthOptions.Token"/>).</summary>
    Bearer,

    /// <summary>OAuth2 client credentials grant; tokens are cached until shortly before they expire.</summary>
    ClientCredentials,

    /// <summary>
    /// SMART Backend Services (SMART App Launch 2.x): the client credentials grant with a signed JWT client assertion
    /// (<c>private_key_jwt</c>, RS384 or ES384) made with one of the gateway's signing keys
    /// (<see cref="ExchangeOptions.SigningKeys"/>), whose public parts the gateway publishes at <c>/.well-known/jwks.json</c>.
    /// </summary>
    SmartBackendServices,
}

/// <summary>Authentication to one target. Secrets belong in a secret store or environment variables, not in appsettings.json.</summary>
public sealed class FhirTargetAuthOptions
{
    /// <summary>The kind of authentication. The default value is <see cref="FhirTargetAuthKind.None"/>.</summary>
    public FhirTargetAuthKind Kind { get; set; } = FhirTargetAuthKind.None;

    /// <summary>The bearer token, for <see cref="FhirTargetAuthKind.Bearer"/> only.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// The OAuth2 token endpoint (absolute http or https URL). Required for <see cref="FhirTargetAuthKind.ClientCredentials"/>;
    /// for <see cref="FhirTargetAuthKind.SmartBackendServices"/> the default is the <c>token_endpoint</c> of the target's
    /// <c>{BaseUrl}/.well-known/smart-configuration</c>.
    /// </summary>
    public Uri? TokenEndpoint { get; set; }

    /// <summary>
    /// The OAuth2 client id, for <see cref="FhirTargetAuthKind.ClientCredentials"/> and
    /// <see cref="FhirTargetAuthKind.SmartBackendServices"/> (the id the target's authorization server registered for
    /// the gateway; also the assertion's <c>iss</c> and <c>sub</c>).
    /// </summary>
    public string? ClientId { get; set; }

    /// <summary>The OAuth2 client secret, for <see cref="FhirTargetAuthKind.ClientCredentials"/>; sent with HTTP Basic (RFC 6749 2.3.1).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// The scopes to ask for (space-separated), e.g. <c>system/*.write</c> or <c>system/Procedure.cruds</c>. None by
    /// default for <see cref="FhirTargetAuthKind.ClientCredentials"/>. For <see cref="FhirTargetAuthKind.SmartBackendServices"/>
    /// the default is read, search, create and update on every resource type StmFhir exchanges, in SMART v2 syntax
    /// (<c>system/Procedure.crus</c>) when the target's smart-configuration advertises <c>permission-v2</c> or v2 scopes,
    /// else in v1 syntax (<c>system/Procedure.read system/Procedure.write</c>).
    /// </summary>
    public string? Scope { get; set; }

    /// <summary>
    /// For <see cref="FhirTargetAuthKind.SmartBackendServices"/>: the <c>kid</c> of the signing key that signs this
    /// target's assertions. The default is the first key of <see cref="ExchangeOptions.SigningKeys"/>, so a rotation
    /// lists the new key first and keeps the old one second until every target has registered it.
    /// </summary>
    public string? KeyId { get; set; }
}

/// <summary>
/// The resilience pipeline of one target's HTTP client (Polly v8 via Microsoft.Extensions.Http.Resilience):
/// total timeout, then retry, then circuit breaker, then the per-attempt timeout.
/// </summary>
public sealed class FhirTargetResilienceOptions
{
    /// <summary>Retries after the first attempt. The default value is 6 retries. Range 0 to 20.</summary>
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>
    /// The first retry's median delay; later retries double it, with jitter. A <c>Retry-After</c> header wins.
    /// The default value is 1 second. Range 1 ms to 1 minute.
    /// </summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two attempts, also for <c>Retry-After</c>. The default value is 60 seconds.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one attempt may take. The default value is 30 seconds. Range 10 ms to 10 minutes.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one request may take with all its retries and delays. The default value is 5 minutes; it must exceed
    /// <see cref="AttemptTimeout"/>.
    /// </summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The share of failed attempts within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit.
    /// The default value is 0.5. Range above 0 to 1.
    /// </summary>
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>The fewest attempts in a sampling period before the circuit may open. The default value is 20. At least 2.</summary>
    public int CircuitBreakerMinimumThroughput { get; set; } = 20;

    /// <summary>The period over which failures are counted. The default value is 60 seconds; at least twice <see cref="AttemptTimeout"/>.</summary>
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an open circuit fails requests at once before it lets one through. The default value is 30 seconds. At least 0.5 seconds.</summary>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
