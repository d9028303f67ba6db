using System.Collections.Immutable;
using CommunityModel.Primitives;
using FluentValidation;
using NodaTime;

namespace CommunityModel.Teams;

/// <summary>One effective-dated assignment of a customer to an account, or away from every account (<see cref="Account"/> null).</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Customer">The customer assigned.</param>
/// <param name="Account">The account that holds the customer from <paramref name="At"/>, or null when the customer leaves the matrix.</param>
/// <param name="At">When it takes effect.</param>
/// <param name="Reason">Why (first contact, rebalancing, handover, ...).</param>
public sealed record CustomerAssignment(MemberId Customer, AccountId? Account, Instant At, string Reason);

/// <summary>Who operates an account from an instant on.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Account">The staff account concerned.</param>
/// <param name="Staff">The staff member.</param>
/// <param name="From">From when.</param>
public sealed record OperatorChange(AccountId Account, StaffId Staff, Instant From);

/// <summary>An account hosts a group from an instant on.</summary>
/// <remarks>Immutable; safe to share between threads.</remarks>
/// <param name="Group">The group's id.</param>
/// <param name="Account">The hosting account.</param>
/// <param name="From">From when.</param>
public sealed record GroupHosting(string Group, AccountId Account, Instant From);

/// <summary>
/// The account matrix (个人号矩阵, a "super CRM"): staff persona accounts, the customers each holds
/// (effective-dated, history kept, capacity enforced), who operates each account over time, and the groups
/// each hosts. History is append-only: every change is dated at or after the latest one, so "who owned this
/// customer at t" and "who operated this account at t" always have one answer.
/// </summary>
/// <remarks>Mutable and not thread-safe: assignments and operator changes change it, so one instance serves one thread at a time (guard every call, reads included, with one lock).</remarks>
public sealed class AccountMatrix
{
    private readonly List<StaffAccount> _accounts = [];
    private readonly Dictionary<AccountId, int> _accountIndex = [];
    private readonly List<int> _counts = [];
    private readonly List<List<(long Ticks, StaffId Staff)>> _operators = [];
    private readonly List<GroupHosting> _hosting = [];

    private readonly Dictionary<MemberId, int> _customerIndex = [];
    private readonly List<MemberId> _customers = [];
    private readonly List<int> _last = [];

    // Assignments, in time order: customer, account (-1 none), ticks, the same customer's previous assignment.
    private readonly List<int> _aCustomer = [];
    private readonly List<int> _aAccount = [];
    private readonly List<long> _aTicks = [];
    private readonly List<int> _aPrevious = [];
    private readonly List<string> _aReason = [];
    private long _latest = long.MinValue;

    private AccountMatrix()
    {
    }

    /// <summary>The accounts, in the order given.</summary>
    public IReadOnlyList<StaffAccount> Accounts => _accounts;

    /// <summary>Every customer ever assigned, in first-assignment order.</summary>
    public IReadOnlyList<MemberId> Customers => _customers;

    /// <summary>How many assignments the history holds.</summary>
    public int AssignmentCount => _aCustomer.Count;

    /// <summary>The group hostings, in time order.</summary>
    public IReadOnlyList<GroupHosting> Hostings => _hosting;

    internal int AccountCount => _accounts.Count;

    /// <summary>Creates a matrix of accounts, each validated; every problem is reported at once.</summary>
    /// <param name="accounts">The accounts (unique ids).</param>
    /// <returns>The matrix, with no customers yet.</returns>
    /// <exception cref="InvalidInputException">Every problem, with the account's position in the path.</exception>
    public static AccountMatrix Create(IEnumerable<StaffAccount> accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var list = accounts.ToList();
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        var validator = new StaffAccountValidator();
        var seen = new HashSet<AccountId>();
        for (var i = 0; i < list.Count; i++)
        {
            foreach (var f in validator.Validate(list[i]).Errors)
            {
                failures.Add(new FluentValidation.Results.ValidationFailure($"Accounts[{i}].{f.PropertyName}", f.ErrorMessage) { ErrorCode = f.ErrorCode });
            }

            if (!list[i].Id.IsDefault && !seen.Add(list[i].Id))
            {
                failures.Add(new FluentValidation.Results.ValidationFailure($"Accounts[{i}].Id", $"Account {list[i].Id} appears more than once.") { ErrorCode = "account.id.duplicate" });
            }
        }

        if (list.Count == 0)
        {
            failures.Add(new FluentValidation.Results.ValidationFailure(nameof(Accounts), "A matrix needs at least one account.") { ErrorCode = "account.matrix.empty" });
        }

        if (failures.Count > 0)
        {
            throw new InvalidInputException(Validation.ToProblems(failures));
        }

        var m = new AccountMatrix();
        foreach (var a in list)
        {
            m._accountIndex[a.Id] = m._accounts.Count;
            m._accounts.Add(a);
            m._counts.Add(0);
            m._operators.Add([]);
        }

        return m;
    }

    /// <summary>An account by id.</summary>
    /// <param name="account">The id of an account of the matrix.</param>
    /// <returns>The account.</returns>
    /// <exception cref="InvalidInputException">With <see cref="AccountMustExistRule"/>.</exception>
    public StaffAccount this[AccountId account] => _accounts[AccountIndex(account)];

    /// <summary>How many customers an account holds now.</summary>
    /// <param name="account">The id of an account of the matrix; another id throws <see cref="InvalidInputException"/>.</param>
    /// <returns>The count.</returns>
    public int CustomerCount(AccountId account) => _counts[AccountIndex(account)];

    /// <summary>Assigns one customer (see <see cref="AssignAll"/>).</summary>
    /// <param name="assignment">The assignment: a customer, an account of the matrix (or none), when, and why.</param>
    /// <returns>True when it changed the customer's owner; false when the customer already had that owner.</returns>
    /// <exception cref="InvalidInputException">The rule broken; nothing changed.</exception>
    public bool Assign(CustomerAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var problems = Check([assignment], out var changes);
        if (problems.Count > 0)
        {
            throw new InvalidInputException(problems[0]);
        }

        Apply(changes);
        return changes.Count == 1;
    }

    /// <summary>
    /// Applies assignments in the order given: each must be dated at or after the matrix's latest change, name a
    /// known account (or none, to leave the matrix) and fit the account's capacity. Every problem is found
    /// first; when there is any, nothing changes.
    /// </summary>
    /// <param name="assignments">The assignments, in time order, each after the matrix's latest change.</param>
    /// <returns>How many changed an owner (re-assigning the same owner is a no-op).</returns>
    /// <exception cref="InvalidInputException">With <see cref="AssignmentsMustBeValidRule"/> listing every problem.</exception>
    public int AssignAll(IEnumerable<CustomerAssignment> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        var problems = Check(assignments, out var changes);
        if (problems.Count > 0)
        {
            throw new InvalidInputException(new AssignmentsMustBeValidRule(problems));
        }

        Apply(changes);
        return changes.Count;
    }

    /// <summary>Who held a customer at an instant (assignments take effect at their instant).</summary>
    /// <param name="customer">The customer, by the id the assignments used.</param>
    /// <param name="at">The instant asked about: changes dated at or before it are in force.</param>
    /// <returns>The account, or null when no account held the customer then.</returns>
    public AccountId? OwnerAt(MemberId customer, Instant at)
    {
        if (!_customerIndex.TryGetValue(customer, out var c))
        {
            return null;
        }

        var a = OwnerIndexAt(c, at.ToUnixTimeTicks());
        return a < 0 ? (AccountId?)null : _accounts[a].Id;
    }

    /// <summary>A customer's assignments, oldest first.</summary>
    /// <param name="customer">The customer, by the id the assignments used.</param>
    /// <returns>The history (empty for an unknown customer).</returns>
    public IReadOnlyList<CustomerAssignment> History(MemberId customer)
    {
        if (!_customerIndex.TryGetValue(customer, out var c))
        {
            return [];
        }

        var list = new List<CustomerAssignment>();
        for (var k = _last[c]; k >= 0; k = _aPrevious[k])
        {
            list.Add(new CustomerAssignment(customer, _aAccount[k] < 0 ? (AccountId?)null : _accounts[_aAccount[k]].Id, Instant.FromUnixTimeTicks(_aTicks[k]), _aReason[k]));
        }

        list.Reverse();
        return list;
    }

    /// <summary>Records who operates an account from an instant on (a handover when it changes).</summary>
    /// <param name="change">The change: an account of the matrix, its new operator, and when.</param>
    /// <exception cref="InvalidInputException">Unknown account, or dated before the matrix's latest change.</exception>
    public void SetOperator(OperatorChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var a = AccountIndex(change.Account);
        var ticks = change.From.ToUnixTimeTicks();
        if (ticks < _latest)
        {
            throw new InvalidInputException(new AssignmentsInTimeOrderRule($"Operator change of {change.Account}", change.From, Instant.FromUnixTimeTicks(_latest)));
        }

        _operators[a].Add((ticks, change.Staff));
        _latest = ticks;
    }

    /// <summary>Who operated an account at an instant.</summary>
    /// <param name="account">The id of an account of the matrix; another id throws <see cref="InvalidInputException"/>.</param>
    /// <param name="at">The instant asked about: changes dated at or before it are in force.</param>
    /// <returns>The staff member, or null before the first operator.</returns>
    public StaffId? OperatorAt(AccountId account, Instant at)
    {
        var list = _operators[AccountIndex(account)];
        var i = OperatorIndexAt(list, at.ToUnixTimeTicks());
        return i < 0 ? (StaffId?)null : list[i].Staff;
    }

    /// <summary>The operator changes of an account, oldest first.</summary>
    /// <param name="account">The id of an account of the matrix; another id throws <see cref="InvalidInputException"/>.</param>
    /// <returns>The changes.</returns>
    public IReadOnlyList<OperatorChange> Operators(AccountId account) =>
        _operators[AccountIndex(account)].Select(o => new OperatorChange(account, o.Staff, Instant.FromUnixTimeTicks(o.Ticks))).ToList();

    /// <summary>Records that an account hosts a group from an instant on (replacing an earlier host of that group).</summary>
    /// <param name="hosting">The hosting: a group, an account of the matrix, and from when.</param>
    /// <exception cref="InvalidInputException">Unknown account, or dated before the matrix's latest change.</exception>
    public void HostGroup(GroupHosting hosting)
    {
        ArgumentNullException.ThrowIfNull(hosting);
        ArgumentException.ThrowIfNullOrWhiteSpace(hosting.Group);
        AccountIndex(hosting.Account);
        var ticks = hosting.From.ToUnixTimeTicks();
        if (ticks < _latest)
        {
            throw new InvalidInputException(new AssignmentsInTimeOrderRule($"Hosting of {hosting.Group}", hosting.From, Instant.FromUnixTimeTicks(_latest)));
        }

        _hosting.Add(hosting);
        _latest = ticks;
    }

    /// <summary>The account hosting a group at an instant.</summary>
    /// <param name="group">The group's name, as its hosting was recorded.</param>
    /// <param name="at">The instant asked about: changes dated at or before it are in force.</param>
    /// <returns>The account, or null.</returns>
    public AccountId? HostOf(string group, Instant at)
    {
        AccountId? host = null;
        foreach (var h in _hosting)
        {
            if (h.Group == group && h.From <= at)
            {
                host = h.Account;
            }
        }

        return host;
    }

    /// <summary>The groups an account hosts at an instant, by group id.</summary>
    /// <param name="account">The account; one that hosts no group (or is unknown) gets an empty list.</param>
    /// <param name="at">The instant asked about: changes dated at or before it are in force.</param>
    /// <returns>The group ids, ordinal order.</returns>
    public IReadOnlyList<string> GroupsHostedBy(AccountId account, Instant at) =>
        _hosting.Select(h => h.Group).Distinct().Where(g => HostOf(g, at) == account).Order(StringComparer.Ordinal).ToList();

    internal int AccountIndex(AccountId account) =>
        _accountIndex.TryGetValue(account, out var a) ? a : throw new InvalidInputException(new AccountMustExistRule(account));

    internal bool TryCustomerIndex(MemberId customer, out int index) => _customerIndex.TryGetValue(customer, out index);

    internal int OwnerIndexAt(int customer, long ticks)
    {
        for (var k = _last[customer]; k >= 0; k = _aPrevious[k])
        {
            if (_aTicks[k] <= ticks)
            {
                return _aAccount[k];
            }
        }

        return -1;
    }

    internal int OperatorIndexAt(int account, long ticks) => OperatorIndexAt(_operators[account], ticks);

    internal StaffId OperatorByIndex(int account, int index) => _operators[account][index].Staff;

    internal int OperatorCount(int account) => _operators[account].Count;

    /// <summary>
    /// The assignment history packed for the attribution's hot path: one 16-byte slot per customer holding its
    /// first assignment, and later assignments chained in an overflow array, so that most lookups touch one
    /// cache line.
    /// </summary>
    internal (AssignmentSlot[] Heads, AssignmentSlot[] Overflow) Compile()
    {
        var n = _customers.Count;
        var heads = new AssignmentSlot[n];
        var overflow = new AssignmentSlot[Math.Max(0, _aCustomer.Count - n)];
        var tail = new int[n];
        Array.Fill(tail, -2);
        var used = 0;
        for (var k = 0; k < _aCustomer.Count; k++)
        {
            var c = _aCustomer[k];
            var slot = new AssignmentSlot(_aTicks[k], _aAccount[k], -1);
            if (tail[c] == -2)
            {
                heads[c] = slot;
                tail[c] = -1;
                continue;
            }

            overflow[used] = slot;
            if (tail[c] == -1)
            {
                heads[c].Next = used;
            }
            else
            {
                overflow[tail[c]].Next = used;
            }

            tail[c] = used++;
        }

        return (heads, overflow);
    }

    private static int OperatorIndexAt(List<(long Ticks, StaffId Staff)> list, long ticks)
    {
        var found = -1;
        for (var i = 0; i < list.Count && list[i].Ticks <= ticks; i++)
        {
            found = i;
        }

        return found;
    }

    private List<IBusinessRule> Check(IEnumerable<CustomerAssignment> assignments, out List<(MemberId Customer, int Account, long Ticks, string Reason)> changes)
    {
        var problems = new List<IBusinessRule>();
        changes = [];
        var counts = _counts.ToArray();
        var current = new Dictionary<MemberId, int>();
        var latest = _latest;
        foreach (var a in assignments)
        {
            ArgumentNullException.ThrowIfNull(a);
            var ticks = a.At.ToUnixTimeTicks();
            if (ticks < latest)
            {
                problems.Add(new AssignmentsInTimeOrderRule($"Assignment of {a.Customer}", a.At, Instant.FromUnixTimeTicks(latest)));
                continue;
            }

            var target = -1;
            if (a.Account is { } id)
            {
                if (!_accountIndex.TryGetValue(id, out target))
                {
                    problems.Add(new AccountMustExistRule(id));
                    continue;
                }
            }

            if (!current.TryGetValue(a.Customer, out var now))
            {
                now = _customerIndex.TryGetValue(a.Customer, out var c) ? (_last[c] < 0 ? -1 : _aAccount[_last[c]]) : -1;
            }

            if (now == target)
            {
                continue;
            }

            if (target >= 0 && counts[target] >= _accounts[target].Capacity)
            {
                problems.Add(new AccountOverCapacityRule(_accounts[target].Id, _accounts[target].Capacity, a.Customer));
                continue;
            }

            if (now >= 0)
            {
                counts[now]--;
            }

            if (target >= 0)
            {
                counts[target]++;
            }

            current[a.Customer] = target;
            latest = ticks;
            changes.Add((a.Customer, target, ticks, a.Reason ?? ""));
        }

        return problems;
    }

    private void Apply(List<(MemberId Customer, int Account, long Ticks, string Reason)> changes)
    {
        foreach (var (customer, account, ticks, reason) in changes)
        {
            if (!_customerIndex.TryGetValue(customer, out var c))
            {
                c = _customers.Count;
                _customerIndex[customer] = c;
                _customers.Add(customer);
                _last.Add(-1);
            }

            var previous = _last[c];
            if (previous >= 0 && _aAccount[previous] >= 0)
            {
                _counts[_aAccount[previous]]--;
            }

            if (account >= 0)
            {
                _counts[account]++;
            }

            _last[c] = _aCustomer.Count;
            _aCustomer.Add(c);
            _aAccount.Add(account);
            _aTicks.Add(ticks);
            _aPrevious.Add(previous);
            _aReason.Add(reason);
            _latest = ticks;
        }
    }
}

/// <summary>One assignment in the packed form: when, to which account (-1 none), and the customer's next assignment in the overflow (-1 none).</summary>
internal struct AssignmentSlot(long ticks, int account, int next)
{
    public long Ticks = ticks;
    public int Account = account;
    public int Next = next;
}
