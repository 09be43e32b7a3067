// Drives the development broker with Azure.Messaging.ServiceBus, the SDK inside the Functions host's
// Service Bus extension, and prints one JSON line per scenario for test/integration/devbroker/dotnet-sdk.test.ts.
//
// Usage: dotnet ServiceBusDriver.dll '<json>' where json is
//   { "connectionString": "...", "processorQueue": "...", "queue": "...", "lockDurationMs": 5000,
//     "poisonQueue": "...", "fromJsSession": "...",
//     "serviceBus": <host.json extensions.serviceBus>, "sessions": ["pr-1", ...], "perSession": 6,
//     "scenarios": ["processor", ...] (optional, default all) }
// Each line: { "scenario": name, "ok": true, ...facts } or { "scenario": name, "ok": false, "error": "..." }.
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Messaging.ServiceBus;

var config = JsonNode.Parse(args.Length > 0 ? args[0] : throw new ArgumentException("pass the scenario configuration as one JSON argument"))!;
var connectionString = (string)config["connectionString"]!;
var processorQueue = (string)config["processorQueue"]!;
var queue = (string)config["queue"]!;
var lockDuration = TimeSpan.FromMilliseconds((double)config["lockDurationMs"]!);
var hostOptions = config["serviceBus"]!;
var sessions = config["sessions"]!.AsArray().Select(n => (string)n!).ToArray();
var perSession = (int)config["perSession"]!;
var wanted = config["scenarios"]?.AsArray().Select(n => (string)n!).ToHashSet();

// Short tries so a broker that answers wrongly fails the run in seconds, not after host.json's minutes of retries.
Scenarios.ConnectionString = connectionString;
var client = new ServiceBusClient(connectionString, new ServiceBusClientOptions
{
    RetryOptions = new ServiceBusRetryOptions { MaxRetries = 1, TryTimeout = TimeSpan.FromSeconds(10), Delay = TimeSpan.FromMilliseconds(200) },
});

var scenarios = new Dictionary<string, Func<Task<object>>>
{
    ["processor"] = () => Scenarios.SessionProcessor(client, processorQueue, hostOptions, lockDuration, sessions, perSession),
    ["abandon"] = () => Scenarios.AbandonRedeliversFirst(client, queue),
    ["sessionState"] = () => Scenarios.SessionState(client, queue),
    ["deadLetter"] = () => Scenarios.DeadLetter(client, queue),
    ["peek"] = () => Scenarios.Peek(client, queue),
    ["renewSessionLock"] = () => Scenarios.RenewSessionLock(client, queue, lockDuration),
    ["refusals"] = () => Scenarios.Refusals(client, queue),
    ["poison"] = () => Scenarios.Poison(client, (string)config["poisonQueue"]!, hostOptions),
    ["fromJs"] = () => Scenarios.FromJs(client, queue, (string)config["fromJsSession"]!),
    ["sessionBatch"] = () => Scenarios.SessionBatch(client, queue),
};

var outputLock = new object();
await Task.WhenAll(scenarios.Where(s => wanted is null || wanted.Contains(s.Key)).Select(async s =>
{
    JsonObject line;
    try
    {
        var facts = await s.Value().WaitAsync(TimeSpan.FromSeconds(60));
        line = JsonSerializer.SerializeToNode(facts)!.AsObject();
        line.Insert(0, "ok", true);
    }
    catch (Exception error)
    {
        line = new JsonObject { ["ok"] = false, ["error"] = Describe(error) };
    }
    line.Insert(0, "scenario", s.Key);
    lock (outputLock) Console.WriteLine(line.ToJsonString());
}));
await client.DisposeAsync();

// The exception chain, one "Type: message" per level, and where it was thrown: enough to tell which broker reply was wrong.
static string Describe(Exception error)
{
    var parts = new List<string>();
    for (Exception? e = error; e != null; e = e.InnerException) parts.Add($"{e.GetType().Name}: {e.Message}");
    var at = error.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
    return string.Join(" <- ", parts) + (at is null ? "" : $" ({at})");
}

static class Scenarios
{
    public static string ConnectionString = "";

    /// <summary>
    /// What the Functions host does with a session trigger: a ServiceBusSessionProcessor with host.json's options,
    /// over sessions sent interleaved, one message at a time and in ServiceBusMessageBatch, with copies of two
    /// MessageIds sent again (duplicate detection drops them). One handler outlasts the lock: auto-renewal keeps it.
    /// </summary>
    public static async Task<object> SessionProcessor(
        ServiceBusClient client, string queue, JsonNode host, TimeSpan lockDuration, string[] sessions, int perSession)
    {
        var options = new ServiceBusSessionProcessorOptions
        {
            MaxConcurrentSessions = (int)host["maxConcurrentSessions"]!,
            SessionIdleTimeout = TimeSpan.Parse((string)host["sessionIdleTimeout"]!),
            MaxAutoLockRenewalDuration = TimeSpan.Parse((string)host["maxAutoLockRenewalDuration"]!),
            AutoCompleteMessages = (bool)host["autoCompleteMessages"]!,
            PrefetchCount = (int?)host["prefetchCount"] ?? 0,
        };
        // The second message of the third session: its session is mid-way, with messages before and after it.
        var slowMessage = $"{sessions[2]}#1";

        await using var sender = client.CreateSender(queue);
        for (var i = 0; i < perSession; i++)
        {
            var round = sessions.Select(s => new ServiceBusMessage($"{s}#{i}") { SessionId = s, MessageId = $"{s}#{i}" }).ToList();
            if (i % 2 == 0)
            {
                foreach (var message in round) await sender.SendMessageAsync(message);
            }
            else
            {
                using var batch = await sender.CreateMessageBatchAsync();
                foreach (var message in round)
                {
                    if (!batch.TryAddMessage(message)) throw new InvalidOperationException("batch full");
                }
                await sender.SendMessagesAsync(batch);
            }
        }
        // Same MessageIds again, different bodies: the broker must drop both within its duplicate window.
        await sender.SendMessageAsync(new ServiceBusMessage("duplicate") { SessionId = sessions[0], MessageId = $"{sessions[0]}#2" });
        using (var batch = await sender.CreateMessageBatchAsync())
        {
            batch.TryAddMessage(new ServiceBusMessage("duplicate") { SessionId = sessions[1], MessageId = $"{sessions[1]}#3" });
            await sender.SendMessagesAsync(batch);
        }

        var expected = sessions.Length * perSession;
        var received = new ConcurrentQueue<(string Session, string Body, int DeliveryCount)>();
        var errors = new ConcurrentQueue<string>();
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var maxRunning = 0;
        DateTimeOffset lockedUntilBefore = default, lockedUntilAfter = default;

        await using var processor = client.CreateSessionProcessor(queue, options);
        processor.ProcessMessageAsync += async args =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref maxRunning, now);
            try
            {
                var body = args.Message.Body.ToString();
                if (body == slowMessage)
                {
                    lockedUntilBefore = args.SessionLockedUntil;
                    await Task.Delay(lockDuration * 1.6);
                    lockedUntilAfter = args.SessionLockedUntil;
                }
                received.Enqueue((args.SessionId, body, args.Message.DeliveryCount));
                if (received.Count >= expected) allSeen.TrySetResult();
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        };
        processor.ProcessErrorAsync += args =>
        {
            errors.Enqueue($"{args.ErrorSource}: {args.Exception.Message}");
            return Task.CompletedTask;
        };
        await processor.StartProcessingAsync();
        await allSeen.Task.WaitAsync(TimeSpan.FromSeconds(40));
        // Let auto-complete of the last messages finish, and give a lost lock the chance to redeliver.
        await Task.Delay(500);
        await processor.StopProcessingAsync();

        // Auto-complete removed everything: no session has messages left.
        var leftOver = await NextSessionOrNull(client, queue);

        return new
        {
            options = new
            {
                options.MaxConcurrentSessions,
                SessionIdleTimeout = options.SessionIdleTimeout?.ToString(),
                MaxAutoLockRenewalDuration = options.MaxAutoLockRenewalDuration.ToString(),
                options.AutoCompleteMessages,
                options.PrefetchCount,
            },
            received = received.Select(r => new { session = r.Session, body = r.Body, deliveryCount = r.DeliveryCount }).ToList(),
            errors = errors.ToList(),
            maxConcurrentHandlers = maxRunning,
            slowMessage,
            sessionLockedUntilBeforeSlowHandler = lockedUntilBefore,
            sessionLockedUntilAfterSlowHandler = lockedUntilAfter,
            sessionWithMessagesLeft = leftOver,
        };
    }

    /// <summary>An abandoned message comes back first, with DeliveryCount 2.</summary>
    public static async Task<object> AbandonRedeliversFirst(ServiceBusClient client, string queue)
    {
        const string session = "abandon-1";
        await using var sender = client.CreateSender(queue);
        await sender.SendMessagesAsync([Message(session, "first"), Message(session, "second")]);
        await using var receiver = await client.AcceptSessionAsync(queue, session);
        var deliveries = new List<object>();
        var first = await ReceiveOne(receiver);
        deliveries.Add(Describe(first));
        await receiver.AbandonMessageAsync(first);
        for (var i = 0; i < 2; i++)
        {
            var next = await ReceiveOne(receiver);
            deliveries.Add(Describe(next));
            await receiver.CompleteMessageAsync(next);
        }
        return new { deliveries };
    }

    /// <summary>
    /// What the Functions host's batch loop does for a `cardinality: many` session trigger
    /// (ServiceBusListener.RunBatchReceiveLoopAsync): ReceiveMessagesAsync(maxMessageBatchSize, sessionIdleTimeout) on the
    /// accepted session, then settle the whole batch at once (Task.WhenAll): abandon all on failure, complete all on success;
    /// an empty receive ends the session. Ten messages waiting, batches of at most 4, then of up to 1000.
    /// </summary>
    public static async Task<object> SessionBatch(ServiceBusClient client, string queue)
    {
        const string session = "batch-1";
        await using (var sender = client.CreateSender(queue))
            await sender.SendMessagesAsync(Enumerable.Range(0, 10).Select(i => Message(session, $"b{i}")));
        await using var receiver = await client.AcceptSessionAsync(queue, session);
        var batches = new List<object>();
        async Task<IReadOnlyList<ServiceBusReceivedMessage>> Receive(int max, TimeSpan wait)
        {
            var messages = await receiver.ReceiveMessagesAsync(max, wait);
            batches.Add(messages.Select(Describe).ToArray());
            return messages;
        }
        var failed = await Receive(4, TimeSpan.FromSeconds(5));
        await Task.WhenAll(failed.Select(m => receiver.AbandonMessageAsync(m)));
        var retried = await Receive(4, TimeSpan.FromSeconds(5));
        await Task.WhenAll(retried.Select(m => receiver.CompleteMessageAsync(m)));
        var rest = await Receive(1000, TimeSpan.FromSeconds(5));
        await Task.WhenAll(rest.Select(m => receiver.CompleteMessageAsync(m)));
        await Receive(1000, TimeSpan.FromMilliseconds(250));
        return new { batches };
    }

    /// <summary>Session state set by one receiver is read by the next; null clears it.</summary>
    public static async Task<object> SessionState(ServiceBusClient client, string queue)
    {
        const string session = "state-1";
        await using (var sender = client.CreateSender(queue)) await sender.SendMessageAsync(Message(session, "with-state"));
        string? readBack, afterReaccept, afterClear;
        await using (var receiver = await client.AcceptSessionAsync(queue, session))
        {
            await receiver.SetSessionStateAsync(BinaryData.FromString("cursor=42"));
            readBack = (await receiver.GetSessionStateAsync())?.ToString();
        }
        await using (var receiver = await client.AcceptSessionAsync(queue, session))
        {
            afterReaccept = (await receiver.GetSessionStateAsync())?.ToString();
            await receiver.SetSessionStateAsync(null);
            afterClear = (await receiver.GetSessionStateAsync())?.ToString();
            await receiver.CompleteMessageAsync(await ReceiveOne(receiver));
        }
        return new { readBack, afterReaccept, afterClear };
    }

    /// <summary>Dead-letter with reason and description, then read the message from the dead-letter sub-queue.</summary>
    public static async Task<object> DeadLetter(ServiceBusClient client, string queue)
    {
        const string session = "dead-letter-1";
        await using (var sender = client.CreateSender(queue)) await sender.SendMessageAsync(Message(session, "poison"));
        await using (var receiver = await client.AcceptSessionAsync(queue, session))
        {
            await receiver.DeadLetterMessageAsync(await ReceiveOne(receiver), "PayloadInvalid", "field 'action' is missing");
        }
        await using var deadLetters = client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await ReceiveOne(deadLetters);
        await deadLetters.CompleteMessageAsync(dead);
        return new
        {
            entityPath = deadLetters.EntityPath,
            messageId = dead.MessageId,
            sessionId = dead.SessionId,
            body = dead.Body.ToString(),
            deadLetterReason = dead.DeadLetterReason,
            deadLetterErrorDescription = dead.DeadLetterErrorDescription,
            deadLetterSource = dead.DeadLetterSource,
        };
    }

    /// <summary>Peek shows a session's messages in order without locking them; they are still there to receive.</summary>
    public static async Task<object> Peek(ServiceBusClient client, string queue)
    {
        const string session = "peek-1";
        await using (var sender = client.CreateSender(queue))
        {
            await sender.SendMessagesAsync([Message(session, "p1"), Message(session, "p2"), Message(session, "p3")]);
        }
        await using var receiver = await client.AcceptSessionAsync(queue, session);
        var peeked = await receiver.PeekMessagesAsync(10);
        var receivedAfterPeek = new List<string>();
        for (var i = 0; i < peeked.Count; i++)
        {
            var message = await ReceiveOne(receiver);
            receivedAfterPeek.Add(message.Body.ToString());
            await receiver.CompleteMessageAsync(message);
        }
        return new
        {
            peeked = peeked.Select(m => new { body = m.Body.ToString(), sequenceNumber = m.SequenceNumber, m.DeliveryCount }).ToList(),
            receivedAfterPeek,
        };
    }

    /// <summary>RenewSessionLockAsync keeps a session past its lock duration: the message still completes.</summary>
    public static async Task<object> RenewSessionLock(ServiceBusClient client, string queue, TimeSpan lockDuration)
    {
        const string session = "renew-1";
        await using (var sender = client.CreateSender(queue)) await sender.SendMessageAsync(Message(session, "long-job"));
        await using var receiver = await client.AcceptSessionAsync(queue, session);
        var message = await ReceiveOne(receiver);
        var lockedUntil = new List<DateTimeOffset> { receiver.SessionLockedUntil };
        for (var i = 0; i < 2; i++)
        {
            await Task.Delay(lockDuration * 0.6);
            await receiver.RenewSessionLockAsync();
            lockedUntil.Add(receiver.SessionLockedUntil);
        }
        await receiver.CompleteMessageAsync(message);
        return new { lockedUntil, heldForMs = lockDuration.TotalMilliseconds * 1.2, completed = true };
    }

    /// <summary>
    /// A handler that always throws, under the session processor: abandoned on each failure, redelivered with
    /// DeliveryCount 1, 2, ... and dead-lettered by the broker as MaxDeliveryCountExceeded after the queue's maximum.
    /// </summary>
    public static async Task<object> Poison(ServiceBusClient client, string queue, JsonNode host)
    {
        const string session = "poison-1";
        await using (var sender = client.CreateSender(queue)) await sender.SendMessageAsync(Message(session, "always-fails"));
        var deliveryCounts = new ConcurrentQueue<int>();
        var userErrors = 0;
        await using var processor = client.CreateSessionProcessor(queue, new ServiceBusSessionProcessorOptions
        {
            MaxConcurrentSessions = (int)host["maxConcurrentSessions"]!,
            SessionIdleTimeout = TimeSpan.Parse((string)host["sessionIdleTimeout"]!),
            AutoCompleteMessages = (bool)host["autoCompleteMessages"]!,
        });
        processor.ProcessMessageAsync += args =>
        {
            deliveryCounts.Enqueue(args.Message.DeliveryCount);
            throw new InvalidOperationException("the bot's handler failed");
        };
        processor.ProcessErrorAsync += args =>
        {
            if (args.ErrorSource == ServiceBusErrorSource.ProcessMessageCallback) Interlocked.Increment(ref userErrors);
            return Task.CompletedTask;
        };
        await processor.StartProcessingAsync();
        await using var deadLetters = client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        // The dead-letter sub-queue has it once the last abandon went past the maximum.
        var dead = await deadLetters.ReceiveMessageAsync(TimeSpan.FromSeconds(30))
            ?? throw new TimeoutException($"nothing was dead-lettered; deliveries so far: {string.Join(",", deliveryCounts)}");
        await deadLetters.CompleteMessageAsync(dead);
        await processor.StopProcessingAsync();
        return new
        {
            deliveryCounts = deliveryCounts.ToList(),
            userErrors,
            deadLetterReason = dead.DeadLetterReason,
            deadLetterErrorDescription = dead.DeadLetterErrorDescription,
            deliveryCountWhenDeadLettered = dead.DeliveryCount,
        };
    }

    /// <summary>A message sent by the app's own sender (@azure/service-bus), as the Functions host's SDK reads it.</summary>
    public static async Task<object> FromJs(ServiceBusClient client, string queue, string session)
    {
        await using var receiver = await client.AcceptSessionAsync(queue, session);
        var message = await ReceiveOne(receiver);
        await receiver.CompleteMessageAsync(message);
        return new
        {
            messageId = message.MessageId,
            sessionId = message.SessionId,
            contentType = message.ContentType,
            subject = message.Subject,
            bodyKind = message.GetRawAmqpMessage().Body.BodyType.ToString(),
            body = message.Body.ToString(),
            applicationProperties = message.ApplicationProperties.ToDictionary(p => p.Key, p => p.Value?.ToString()),
            enqueuedTimeOffsetMinutes = message.EnqueuedTime.Offset.TotalMinutes,
            enqueuedTime = message.EnqueuedTime.ToString("o"),
            deliveryCount = message.DeliveryCount,
        };
    }

    /// <summary>The service's refusals arrive as the SDK's failure reasons.</summary>
    public static async Task<object> Refusals(ServiceBusClient client, string queue)
    {
        const string session = "held-1";
        await using (var sender = client.CreateSender(queue)) await sender.SendMessageAsync(Message(session, "held"));
        await using var holder = await client.AcceptSessionAsync(queue, session);
        string? sessionHeld = null, unknownQueue = null;
        try
        {
            await using var second = await client.AcceptSessionAsync(queue, session);
        }
        catch (ServiceBusException error)
        {
            sessionHeld = error.Reason.ToString();
        }
        try
        {
            await using var sender = client.CreateSender("no-such-queue");
            await sender.SendMessageAsync(new ServiceBusMessage("lost"));
        }
        catch (ServiceBusException error)
        {
            unknownQueue = error.Reason.ToString();
        }
        await holder.CompleteMessageAsync(await ReceiveOne(holder));
        return new { sessionHeld, unknownQueue };
    }

    static ServiceBusMessage Message(string session, string body) => new(body) { SessionId = session, MessageId = $"{session}:{body}" };

    static async Task<ServiceBusReceivedMessage> ReceiveOne(ServiceBusReceiver receiver) =>
        await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5)) ?? throw new TimeoutException($"no message on {receiver.EntityPath} within 5 s");

    static object Describe(ServiceBusReceivedMessage message) =>
        new { body = message.Body.ToString(), deliveryCount = message.DeliveryCount, sequenceNumber = message.SequenceNumber, enqueuedTime = message.EnqueuedTime };

    /// <summary>The id of a session that still has messages, or null when accept-next-session times out.</summary>
    static async Task<string?> NextSessionOrNull(ServiceBusClient client, string queue)
    {
        // The accept waits TryTimeout for a session; one short try is enough to say "none".
        await using var impatient = new ServiceBusClient(ConnectionString,
            new ServiceBusClientOptions { RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(2) } });
        try
        {
            await using var receiver = await impatient.AcceptNextSessionAsync(queue);
            return receiver.SessionId;
        }
        catch (ServiceBusException error) when (error.Reason == ServiceBusFailureReason.ServiceTimeout)
        {
            return null;
        }
    }

    static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
