//! Command-line definitions (clap) and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "leadsim",
    version,
    about = "Test partner lead-distribution policies in simulation before rolling them out",
    long_about = "Monte Carlo, discrete-event simulation of channel-partner lead routing, scoring \
                  thresholds and payout schemes, run side by side on the same simulated leads.\n\n\
                  With no command, runs the bundled default scenario and writes output/<name>/."
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Allow data files (CSV) under DIR as well as under the scenario's own
    /// folder (by default a scenario may read only files in its folder tree).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_root: Option<PathBuf>,
    /// With no command: the options of `run`.
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario: every policy, every replication, then report.
    Run(RunArgs),
    /// Run a scenario and check its `expect` assertions: exit 1 if any fails.
    ///
    /// Prints one PASS or FAIL line per assertion and writes no files, unless
    /// `--out DIR` is given: then it writes the same files as `run` into DIR.
    /// A scenario without `expect` is refused before anything is simulated.
    Check(RunArgs),
    /// Which metrics moved beyond their confidence intervals between two runs.
    ///
    /// A change is flagged when the two runs' 95% intervals do not overlap:
    /// an unpaired, unadjusted comparison, about a 0.6% chance per metric of
    /// flagging a change that is not there (two independent intervals of
    /// equal width fail to overlap when the means differ by 2.77 standard
    /// errors of one). Runs of the same seed share their random numbers, so
    /// between them the check is conservative.
    Diff {
        /// The earlier run's summary.json.
        old: PathBuf,
        /// The later run's summary.json.
        new: PathBuf,
        /// Exit with code 1 when anything moved (for CI).
        #[arg(long)]
        fail_on_change: bool,
    },
    /// Run a grid over one or two numeric fields, on common random numbers.
    Sweep(SweepArgs),
    /// The best setting of a policy's fields for an objective under
    /// constraints, chosen with a statistical guarantee.
    Optimize(OptimizeArgs),
    /// How the paired difference B - A on one metric moves with each
    /// assumption, and where the verdict would flip.
    Sensitivity(SensitivityArgs),
    /// The recommendation on the scenario's `decision`, and which assumption would flip it.
    Decide(DecideArgs),
    /// How likely a real pilot of B against A is to show the difference.
    Power(PowerArgs),
    /// Fit a scenario to a CRM export of past leads.
    Calibrate(CalibrateArgs),
    /// Replay a CRM export's leads under a policy and set what really
    /// happened beside the simulated p10-p90.
    Backtest(BacktestArgs),
    /// Merge the partial results of `run --shard` into the output of one run.
    Merge {
        /// The partial results (part-I-of-N.json), every shard once.
        #[arg(required = true)]
        parts: Vec<PathBuf>,
        /// The scenario file the parts ran: its data files (empirical,
        /// replay) are read relative to it, confined as for `run`. Without
        /// it they are read relative to the first part's folder; a part
        /// never names the folder.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// Output folder (default: output/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The metric that colours the policy x world heatmap.
        #[arg(long, default_value = "conversion.lead_to_win", value_name = "METRIC")]
        heatmap: String,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// Check a scenario file and print what it would simulate.
    Validate {
        /// The scenario file (JSON).
        scenario: PathBuf,
    },
    /// Write a per-lead audit log (CSV) of one policy in one replication.
    Trace(TraceArgs),
    /// Write a starter scenario, NAME.json, in the current folder.
    New {
        /// The scenario's name (also its file name).
        name: String,
        /// Show every feature of the format, instead of the smallest valid file.
        #[arg(long)]
        full: bool,
    },
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// The policy to follow.
    #[arg(long)]
    pub policy: String,
    /// The world: `base` or a stress world's name.
    #[arg(long, default_value = "base")]
    pub world: String,
    /// Which replication (0-based), as numbered by `leadsim run`.
    #[arg(long, default_value_t = 0)]
    pub replication: u64,
    /// Only the first K leads.
    #[arg(long, value_name = "K")]
    pub leads: Option<usize>,
    /// Seed (overrides the file's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output file (default: output/<scenario>/trace-<policy>-<world>-<replication>.csv).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A comparison table for people.
    #[default]
    Table,
    /// summary.json on standard output, for scripts.
    Json,
}

/// The options `run`, `check` and `sweep` share: how much to simulate, with
/// which seed, on how many threads, and how much to say.
#[derive(Debug, Args, Default)]
pub struct ExecArgs {
    /// Replications (overrides the file's `replications`; a sweep runs
    /// this many at every grid point), up to 10,000,000.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub replications: Option<u64>,
    /// Seed (overrides the file's `seed`; every grid point of a sweep uses it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Print nothing but errors (and the JSON with `--format json`).
    #[arg(long, short)]
    pub quiet: bool,
    /// Run even when the estimated work (leads x policies x worlds x
    /// replications, x grid points for a sweep) is beyond 1e12
    /// lead-simulations.
    #[arg(long)]
    pub force: bool,
}

impl ExecArgs {
    /// The run configuration for `model`: the file's replications and seed
    /// unless overridden.
    pub fn config(
        &self,
        model: &leadsim::model::Model,
        cancel: &leadsim::runner::Cancel,
    ) -> leadsim::runner::RunConfig {
        leadsim::runner::RunConfig {
            replications: self.replications.unwrap_or(model.replications),
            seed: self.seed.unwrap_or(model.seed),
            threads: self.threads.map(|t| t as usize),
            cancel: cancel.clone(),
        }
    }
}

#[derive(Debug, Args, Default)]
pub struct RunArgs {
    /// The scenario file (JSON); the bundled default scenario when left out.
    pub scenario: Option<PathBuf>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output folder (default: output/<scenario name>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only replications I, I+N, I+2N, ... and write a partial result,
    /// DIR/part-I-of-N.json, for `leadsim merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// The metric that colours the policy x world heatmap (stress worlds).
    #[arg(long, default_value = "conversion.lead_to_win", value_name = "METRIC")]
    pub heatmap: String,
    /// Add replications in batches (of --replications) until every headline
    /// metric's 95% CI half-width is at most R x |mean| in every policy and
    /// world (widths only: stopping when a difference first looks clear
    /// would stop on false differences), or --max-replications is reached.
    #[arg(long, value_name = "R")]
    pub precision: Option<f64>,
    /// The most replications --precision may run.
    #[arg(long, default_value_t = 10_000, value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_replications: u64,
    /// What to print on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// A field and its values: PATH=from:to:step or PATH=v1,v2,... Paths
    /// like `policies[tiered-fast].scoring.threshold`; give one or two.
    #[arg(long = "set", value_name = "PATH=RANGE", required = true)]
    pub set: Vec<String>,
    /// A metric pair whose Pareto frontier to draw, e.g.
    /// `fairness.gini_leads,conversion.lead_to_win`; repeatable.
    #[arg(long, value_name = "METRIC,METRIC")]
    pub pareto: Vec<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output folder (default: output/<scenario name>/sweep/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run only grid points I, I+N, ... and write DIR/sweep-part-I-of-N.json
    /// for `leadsim merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizeWorld {
    /// Judge each setting in the base world.
    Base,
    /// Judge each setting by its worst world; constraints must hold in all.
    All,
}

#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// The policy whose fields are varied.
    #[arg(long)]
    pub policy: String,
    /// A field and its domain: PATH=lo:hi (a range; whole numbers for a
    /// whole-number field) or PATH=a,b,c (choices, e.g. rules). Paths as
    /// `sweep` takes them, e.g. `policies[least-loaded].sla.first_contact_hours=2:72`.
    #[arg(long = "vary", value_name = "PATH=DOMAIN", required = true)]
    pub vary: Vec<String>,
    /// The metric to maximise.
    #[arg(
        long,
        value_name = "METRIC",
        conflicts_with = "minimize",
        required_unless_present = "minimize"
    )]
    pub maximize: Option<String>,
    /// The metric to minimise.
    #[arg(long, value_name = "METRIC")]
    pub minimize: Option<String>,
    /// A constraint, `METRIC<=BOUND` or `METRIC>=BOUND`, met only when the
    /// 95% interval's unfavourable end meets it; repeatable.
    #[arg(long = "subject-to", value_name = "CONSTRAINT")]
    pub subject_to: Vec<String>,
    /// Judge settings in the base world, or by their worst world.
    #[arg(long, value_enum, default_value_t = OptimizeWorld::Base)]
    pub world: OptimizeWorld,
    /// Settings to simulate in the search, at most 10,000.
    #[arg(long, default_value_t = 60)]
    pub budget: usize,
    /// The indifference zone of the final selection, as a fraction of the
    /// objective: settings closer than this count as equally good.
    #[arg(long, default_value_t = 0.01)]
    pub delta: f64,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output folder (default: output/<scenario name>/optimize/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Not available: the search is sequential (each step depends on the
    /// last); given, it is refused with that reason.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// The policy recommended (B).
    #[arg(long)]
    pub policy: String,
    /// The policy it is compared with (A).
    #[arg(long = "vs")]
    pub versus: String,
    /// The metric the recommendation rests on.
    #[arg(long)]
    pub metric: String,
    /// An assumption and its range, PATH=lo:hi (paths as `sweep` takes
    /// them; a field left to its default may be named); repeatable.
    #[arg(long = "vary", value_name = "PATH=lo:hi", required = true)]
    pub vary: Vec<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output folder (default: output/<scenario name>/sensitivity/).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// An assumption and its range, PATH=lo:hi, added to the defaults (the
    /// house's cost per lead, the horizon, churn's revenue loss, the
    /// speed-to-lead half-life) or replacing the default of the same path;
    /// repeatable.
    #[arg(long = "vary", value_name = "PATH=lo:hi")]
    pub vary: Vec<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output folder (default: output/<scenario name>/decide/).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The CRM export (CSV): lead_id, created_at, region, vertical, score,
    /// partner, first_contact_at, qualified, closed_at, won, amount.
    pub history: PathBuf,
    /// The scenario file to write (JSON).
    #[arg(long)]
    pub out: PathBuf,
    /// A scenario whose policies, economics and other fields the fitted
    /// scenario keeps (its partners' fitted fields are replaced).
    #[arg(long)]
    pub template: Option<PathBuf>,
    /// The export's column names, FIELD=COLUMN,... (e.g.
    /// created_at=CreatedDate,partner=Owner__c).
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    pub columns: Option<String>,
    /// Folder for calibration.html and calibration.csv (default:
    /// output/<scenario name>/calibration/).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// The scenario file (JSON), typically written by `calibrate`.
    pub scenario: PathBuf,
    /// The CRM export whose leads are replayed.
    #[arg(long)]
    pub history: PathBuf,
    /// The policy in force when the export's leads were worked.
    #[arg(long)]
    pub policy: String,
    /// The export's column names, FIELD=COLUMN,...
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    pub columns: Option<String>,
    #[command(flatten)]
    pub exec: ExecArgs,
    /// Output folder (default: output/<scenario name>/backtest/).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PilotUnit {
    /// Each lead joins an arm at random.
    Lead,
    /// Each partner joins an arm at random.
    Partner,
}

#[derive(Debug, Args)]
pub struct PowerArgs {
    /// The scenario file (JSON).
    pub scenario: PathBuf,
    /// The policy to pilot (B).
    #[arg(long)]
    pub policy: String,
    /// The policy it is compared with (A), usually today's.
    #[arg(long = "vs")]
    pub versus: String,
    /// Partners in the pilot: a count N (the scenario's first N partners,
    /// file order) or names, `Northwind,Reseller-1,Agency` (a line's name
    /// stands for all its copies).
    #[arg(long, value_name = "N|NAME,NAME,...")]
    pub partners: String,
    /// Pilot length in weeks.
    #[arg(long)]
    pub weeks: f64,
    /// Weeks after the pilot's last lead before it is read: the pilot
    /// counts what happened by then (0: read on its last day, as most
    /// pilots are).
    #[arg(long, default_value_t = 0.0)]
    pub follow_up_weeks: f64,
    /// What is randomised between the arms.
    #[arg(long, value_enum, default_value_t = PilotUnit::Lead)]
    pub unit: PilotUnit,
    /// Significance level of the pilot's test.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Simulated pilots per pilot length.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(20..=1_000_000))]
    pub pilots: u64,
    /// Seed (overrides the file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder (default: output/<scenario name>/power/).
    #[arg(long)]
    pub out: Option<PathBuf>,
}
