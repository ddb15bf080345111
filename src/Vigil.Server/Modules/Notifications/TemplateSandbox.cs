using Fluid;
using Fluid.Ast;
using Fluid.Values;

namespace Vigil.Server.Modules.Notifications;

/// <summary>
/// The limits that keep a user's Liquid template from taking the server's memory or time. Fluid counts steps and
/// recursion, but it builds a range (<c>(1..100000000)</c>) as a list before a loop's first step, and a value doubled by
/// a filter or a capture grows past any step count. So ranges are bounded, every filter's and capture's value is
/// measured, and the output stops at its length limit; a template past any of them fails, and the message goes out with
/// the default text.
/// </summary>
public static class TemplateSandbox
{
    /// <summary>Numbers a range may span.</summary>
    public const int MaxRange = 1_000;

    /// <summary>Characters of any string a filter or a capture makes.</summary>
    public const int MaxString = 100_000;

    /// <summary>Items of any array a filter makes.</summary>
    public const int MaxItems = 10_000;

    /// <summary>Characters of a rendered template (the rest is cut).</summary>
    public const int MaxOutput = 20_000;

    /// <summary>Wraps every filter and capture of the options with the size checks.</summary>
    public static void Harden(TemplateOptions options)
    {
        foreach (var (name, filter) in options.Filters.ToList())
        {
            options.Filters.AddFilter(name, async (input, arguments, context) => Measured(await filter(input, arguments, context)));
        }
        options.Captured = (_, value, _) => ValueTask.FromResult(Measured(value));
    }

    /// <summary>The template with every range bounded when it is evaluated.</summary>
    public static IFluidTemplate Bounded(IFluidTemplate template) => new BoundedRanges().VisitTemplate(template);

    /// <summary>A range with literal bounds wider than <see cref="MaxRange"/>, for the error shown when a template is saved.</summary>
    public static string? Problem(IFluidTemplate template)
    {
        var finder = new WideRanges();
        finder.VisitTemplate(template);
        return finder.Found ? $"a range spans at most {MaxRange} numbers" : null;
    }

    /// <summary>Renders at most <see cref="MaxOutput"/> characters; throws <see cref="TemplateLimitException"/> past a limit.</summary>
    public static string Render(IFluidTemplate template, TemplateContext context)
    {
        using var writer = new CappedWriter(MaxOutput);
        try
        {
            // Nothing a template reads waits on I/O, so the render completes synchronously.
            template.RenderAsync(writer, NullEncoder.Default, context).AsTask().GetAwaiter().GetResult();
        }
        catch (OutputFull)
        {
            // Enough to send: the message is cut at its limit anyway.
        }
        return writer.ToString();
    }

    static FluidValue Measured(FluidValue value) => value switch
    {
        StringValue s when s.ToStringValue().Length > MaxString => throw new TemplateLimitException($"a value may hold at most {MaxString} characters"),
        ArrayValue a when a.Values.Count > MaxItems => throw new TemplateLimitException($"a list may hold at most {MaxItems} items"),
        _ => value,
    };

    sealed class BoundedRanges : AstRewriter
    {
        protected override Expression VisitRangeExpression(RangeExpression range)
        {
            var from = Visit(range.From);
            return new RangeExpression(from, new RangeEnd(from, Visit(range.To)));
        }
    }

    /// <summary>A range's end, refused when it lies more than <see cref="MaxRange"/> numbers after its start.</summary>
    sealed class RangeEnd(Expression from, Expression to) : Expression
    {
        public override async ValueTask<FluidValue> EvaluateAsync(TemplateContext context)
        {
            var start = (await from.EvaluateAsync(context)).ToNumberValue();
            var end = await to.EvaluateAsync(context);
            return end.ToNumberValue() - start >= MaxRange ? throw new TemplateLimitException($"a range spans at most {MaxRange} numbers") : end;
        }
    }

    sealed class WideRanges : AstVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitRangeExpression(RangeExpression range)
        {
            if (range.From is LiteralExpression { Value: var from } && range.To is LiteralExpression { Value: var to }
                && to.ToNumberValue() - from.ToNumberValue() >= MaxRange)
            {
                Found = true;
            }
            return base.VisitRangeExpression(range);
        }
    }

    sealed class OutputFull : Exception;

    /// <summary>Keeps the first characters written and stops the template once it has them.</summary>
    sealed class CappedWriter(int capacity) : StringWriter
    {
        public override void Write(char value)
        {
            Room(1);
            base.Write(value);
        }

        public override void Write(string? value)
        {
            if (value is null)
            {
                return;
            }
            var room = Room(value.Length);
            base.Write(room < value.Length ? value[..room] : value);
            if (room < value.Length)
            {
                throw new OutputFull();
            }
        }

        public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

        public override void Write(ReadOnlySpan<char> buffer) => Write(new string(buffer));

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(char[] buffer, int index, int count)
        {
            Write(buffer, index, count);
            return Task.CompletedTask;
        }

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return Task.CompletedTask;
        }

        int Room(int wanted)
        {
            var room = capacity - GetStringBuilder().Length;
            return room <= 0 && wanted > 0 ? throw new OutputFull() : Math.Min(room, wanted);
        }
    }
}

/// <summary>A user's template went past one of <see cref="TemplateSandbox"/>'s limits.</summary>
public sealed class TemplateLimitException(string message) : Exception(message);
