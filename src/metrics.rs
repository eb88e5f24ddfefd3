//! The metric catalogue (docs/scenario-format.md, "Metrics"): every metric's
//! typed identity, with its dotted name, the words people read for it, its
//! unit, its scale on charts and its better side, in one table. A leaf: it
//! imports nothing from the crate, so validation, the engine's measurement,
//! the statistics and every exporter can all read it.
//!
//! The order of the table is the order of every output. A metric is named
//! in code by its variant ([`Metric::LeadToWin`]), never by a string, so a
//! misspelt metric does not compile; the dotted name is for files and the
//! command line ([`Metric::from_name`]). Per-metric values live in a
//! [`PerMetric`], indexed by [`Metric`].

use std::ops::{Index, IndexMut};

/// Which way is good, for verdicts and for marking the best value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// A count or amount with no better side (volume, MDF spent).
    Neutral,
}

/// How a value reads to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Rate,
    Hours,
    Money,
    Index,
}

/// Everything the outputs say about a metric.
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// The dotted name in files and on the command line:
    /// `conversion.lead_to_win`.
    pub name: &'static str,
    /// A label for a table row or a chart: "Lead to win".
    pub label: &'static str,
    /// A terminal-table column heading: "lead→win".
    pub column: &'static str,
    /// How a sentence names it: "lead-to-win".
    pub phrase: &'static str,
    pub unit: Unit,
    pub direction: Direction,
    /// A total over the horizon (revenue, payouts), as opposed to a rate or
    /// an amount per deal: totals carry "per N-day horizon".
    pub total: bool,
}

impl MetricInfo {
    /// The factor charts multiply values by, and the unit it leaves them in:
    /// rates in %, totals of money in millions, money per deal in thousands.
    pub fn chart_scale(&self) -> (f64, &'static str) {
        match self.unit {
            Unit::Rate => (100.0, "%"),
            Unit::Money if self.total => (1e-6, "millions"),
            Unit::Money => (1e-3, "thousands"),
            Unit::Count | Unit::Hours | Unit::Index => (1.0, ""),
        }
    }

    /// A chart's axis or panel title: the label with the chart's unit, "Lead
    /// to win (%)", "Gross profit (millions)". Hours say so in their label.
    pub fn chart_title(&self) -> String {
        match self.chart_scale() {
            (_, "") => self.label.to_string(),
            (_, unit) => format!("{} ({unit})", self.label),
        }
    }
}

macro_rules! catalogue {
    ($(
        $id:ident: $name:literal, $dir:ident, $unit:ident, $total:literal,
        $label:literal, $column:literal, $phrase:literal;
    )*) => {
        /// A metric's typed identity. The variants are in output order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Metric {
            $($id),*
        }

        impl Metric {
            /// Every metric, in output order.
            pub const ALL: [Metric; [$(Metric::$id),*].len()] = [$(Metric::$id),*];

            /// The metric's catalogue entry.
            pub const fn info(self) -> &'static MetricInfo {
                match self {
                    $(Metric::$id => &MetricInfo {
                        name: $name,
                        label: $label,
                        column: $column,
                        phrase: $phrase,
                        unit: Unit::$unit,
                        direction: Direction::$dir,
                        total: $total,
                    },)*
                }
            }
        }
    };
}

// id: name, better side, unit, total over the horizon,
//     label, table column, phrase in a sentence;
catalogue! {
    Leads: "volume.leads", Neutral, Count, true,
        "Leads", "leads", "leads";
    Routed: "volume.routed", Neutral, Count, true,
        "Leads routed", "routed", "leads routed";
    BelowThreshold: "volume.below_threshold", Neutral, Count, true,
        "Leads below the scoring threshold", "below thr.", "leads below the threshold";
    Unrouted: "volume.unrouted", LowerIsBetter, Count, true,
        "Leads no partner could take", "unrouted", "unrouted leads";
    Rerouted: "volume.rerouted", LowerIsBetter, Count, true,
        "Leads re-routed", "rerouted", "re-routed leads";
    ToHouse: "volume.to_house", Neutral, Count, true,
        "Leads to the house team", "to house", "leads to the house team";
    Dropped: "volume.dropped", LowerIsBetter, Count, true,
        "Leads dropped", "dropped", "dropped leads";
    Escalated: "volume.escalated", LowerIsBetter, Count, true,
        "Leads escalated after their SLA re-routes", "escalated", "escalated leads";
    Reserved: "volume.reserved", Neutral, Count, true,
        "Leads given by the reserve", "reserved", "reserved leads";
    Sourced: "volume.sourced", HigherIsBetter, Count, true,
        "Partner-sourced leads", "sourced", "partner-sourced leads";
    Recycled: "volume.recycled", Neutral, Count, true,
        "Leads back from nurture", "recycled", "leads back from nurture";
    ChannelConflicts: "volume.channel_conflicts", LowerIsBetter, Count, true,
        "Registered leads routed away from their registrant", "conflicts", "channel conflicts";
    Unreached: "volume.unreached", LowerIsBetter, Count, true,
        "Leads contacted but never reached", "unreached", "unreached leads";
    Offers: "volume.offers", Neutral, Count, true,
        "Offers made", "offers", "offers made";
    Rejections: "volume.rejections", LowerIsBetter, Count, true,
        "Offers refused", "refused", "refused offers";
    OfferTimeouts: "volume.offer_timeouts", LowerIsBetter, Count, true,
        "Offers unanswered in time", "timed out", "unanswered offers";
    OpenAtReadout: "volume.open_at_readout", Neutral, Count, true,
        "Leads still open at readout", "open", "leads still open at readout";
    LeadToOpportunity: "conversion.lead_to_opportunity", HigherIsBetter, Rate, false,
        "Lead to opportunity", "lead→opp", "lead-to-opportunity";
    LeadToWin: "conversion.lead_to_win", HigherIsBetter, Rate, false,
        "Lead to win", "lead→win", "lead-to-win";
    OpportunityToWin: "conversion.opportunity_to_win", HigherIsBetter, Rate, false,
        "Opportunity to win", "opp→win", "opportunity-to-win";
    TtfcMean: "speed.ttfc_mean_hours", LowerIsBetter, Hours, false,
        "Mean time to first contact (hours)", "TTFC mean h", "mean time to first contact";
    TtfcMedian: "speed.ttfc_median_hours", LowerIsBetter, Hours, false,
        "Median time to first contact (hours)", "TTFC p50 h", "median time to first contact";
    TtfcP90: "speed.ttfc_p90_hours", LowerIsBetter, Hours, false,
        "p90 time to first contact (hours)", "TTFC p90 h", "p90 time to first contact";
    SlaBreachRate: "speed.sla_breach_rate", LowerIsBetter, Rate, false,
        "SLA breach rate", "SLA breach", "SLA breach rate";
    AfterHoursShare: "speed.after_hours_share", LowerIsBetter, Rate, false,
        "Leads arriving while their holder is off", "after hours", "share of leads arriving after hours";
    TimeToAcceptMedian: "speed.time_to_accept_median_hours", LowerIsBetter, Hours, false,
        "Median time to accept an offer (hours)", "accept p50 h", "median time to accept";
    Wins: "deals.wins", HigherIsBetter, Count, true,
        "Deals won", "wins", "deals won";
    AvgDealSize: "deals.avg_deal_size", HigherIsBetter, Money, false,
        "Average won deal", "avg deal", "average deal";
    Revenue: "deals.revenue", HigherIsBetter, Money, true,
        "Revenue booked", "booked rev.", "booked revenue";
    ChurnedRevenue: "deals.churned_revenue", LowerIsBetter, Money, true,
        "Revenue lost to churn", "churned rev.", "revenue lost to churn";
    NetRevenue: "deals.net_revenue", HigherIsBetter, Money, true,
        "Net revenue (after churn)", "net revenue", "net revenue";
    PartnerSourcedRevenue: "deals.partner_sourced_revenue", HigherIsBetter, Money, true,
        "Revenue from partner-sourced deals", "sourced rev.", "partner-sourced revenue";
    SourcedPipelineLost: "deals.sourced_pipeline_lost", LowerIsBetter, Money, true,
        "Open partner-sourced pipeline that left with its partner", "pipeline lost", "sourced pipeline lost";
    CoSold: "deals.co_sold", Neutral, Count, true,
        "Partner opportunities co-sold with the house", "co-sold", "co-sold opportunities";
    AvgDiscount: "deals.avg_discount", LowerIsBetter, Rate, false,
        "Average discount", "avg disc.", "average discount";
    Payouts: "economics.payouts", LowerIsBetter, Money, true,
        "Partner payouts", "payouts", "payouts";
    Mdf: "economics.mdf", Neutral, Money, true,
        "MDF spent", "MDF", "MDF spent";
    Clawbacks: "economics.clawbacks", Neutral, Money, true,
        "Clawbacks", "clawbacks", "clawbacks";
    HouseCost: "economics.house_cost", LowerIsBetter, Money, true,
        "House team cost", "house cost", "house team cost";
    Enablement: "economics.enablement", LowerIsBetter, Money, true,
        "Enablement spent", "enablement", "enablement spent";
    GrossProfit: "economics.gross_profit", HigherIsBetter, Money, true,
        "Gross profit", "gross profit", "gross profit";
    PayoutRatio: "economics.payout_ratio", LowerIsBetter, Rate, false,
        "Net partner cost / revenue", "cost/rev", "net partner cost over revenue";
    CostPerWin: "economics.cost_per_win", LowerIsBetter, Money, false,
        "Net partner cost per win", "cost/win", "net partner cost per win";
    GiniKept: "fairness.gini_kept", LowerIsBetter, Index, false,
        "Gini of leads kept per capacity", "Gini kept", "evenness of leads kept (Gini)";
    GiniValue: "fairness.gini_value", LowerIsBetter, Index, false,
        "Gini of lead value kept per capacity", "Gini value", "evenness of lead value kept (Gini)";
    GiniLeads: "fairness.gini_leads", LowerIsBetter, Index, false,
        "Gini of leads offered per capacity", "Gini offered", "evenness of leads offered (Gini)";
    JainLeads: "fairness.jain_leads", HigherIsBetter, Index, false,
        "Jain index of leads per capacity", "Jain leads", "evenness of leads (Jain)";
    MaxShare: "fairness.max_share", LowerIsBetter, Rate, false,
        "Largest partner's share", "max share", "largest partner share";
    GiniEarnings: "fairness.gini_earnings", LowerIsBetter, Index, false,
        "Gini of partner earnings", "Gini earn.", "evenness of earnings (Gini)";
    QualitySpread: "fairness.quality_spread", LowerIsBetter, Index, false,
        "Spread of mean lead score", "quality spr.", "spread of lead quality";
    StarvedPartners: "fairness.starved_partners", LowerIsBetter, Count, false,
        "Partners with no lead", "starved", "partners with no lead";
    PartnersRetained: "partners.retained", HigherIsBetter, Count, false,
        "Partners retained", "retained", "partners retained";
    PartnersLeft: "partners.left", LowerIsBetter, Count, false,
        "Partners that left", "left", "partners that left";
    Promoted: "partners.promoted", Neutral, Count, false,
        "Tier promotions", "promoted", "tier promotions";
    Demoted: "partners.demoted", Neutral, Count, false,
        "Tier demotions", "demoted", "tier demotions";
    ExclusivityRevoked: "partners.exclusivity_revoked", LowerIsBetter, Count, false,
        "Partners that lost exclusivity", "excl. lost", "partners that lost exclusivity";
}

/// How many metrics the catalogue holds.
pub const N_METRICS: usize = Metric::ALL.len();

impl Metric {
    /// The dotted name: `conversion.lead_to_win`.
    pub const fn name(self) -> &'static str {
        self.info().name
    }

    pub const fn unit(self) -> Unit {
        self.info().unit
    }

    pub const fn direction(self) -> Direction {
        self.info().direction
    }

    /// The position in output order.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The metric a dotted name stands for.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Every dotted name, in output order (for "did you mean").
    pub fn names() -> impl Iterator<Item = &'static str> + Clone {
        Metric::ALL.into_iter().map(Metric::name)
    }
}

/// A metric displays as its dotted name.
impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The headline metrics: the terminal table's columns, the executive
/// summary's subjects, and what `--precision` waits for. Editing this list
/// changes all three together, on purpose.
pub const HEADLINE: [Metric; 10] = [
    Metric::LeadToOpportunity,
    Metric::LeadToWin,
    Metric::TtfcMedian,
    Metric::TtfcP90,
    Metric::AvgDealSize,
    Metric::NetRevenue,
    Metric::Payouts,
    Metric::GrossProfit,
    Metric::GiniKept,
    Metric::MaxShare,
];

/// The metrics robustness across stress worlds is reported on.
pub const ROBUSTNESS: [Metric; 5] = [
    Metric::LeadToWin,
    Metric::TtfcMedian,
    Metric::GrossProfit,
    Metric::GiniKept,
    Metric::PartnersLeft,
];

/// One value per metric, indexed by [`Metric`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerMetric<T>([T; N_METRICS]);

impl<T> PerMetric<T> {
    /// A value for every metric, from `f` (called once per metric, in
    /// output order).
    pub fn from_fn(mut f: impl FnMut(Metric) -> T) -> Self {
        PerMetric(std::array::from_fn(|i| f(Metric::ALL[i])))
    }

    /// The values in output order, with their metric.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, &T)> {
        Metric::ALL.into_iter().zip(self.0.iter())
    }

    /// The values in output order, mutable, with their metric.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Metric, &mut T)> {
        Metric::ALL.into_iter().zip(self.0.iter_mut())
    }

    /// The values in output order.
    pub fn values(&self) -> &[T; N_METRICS] {
        &self.0
    }
}

impl<T: Clone> PerMetric<T> {
    /// The same value for every metric.
    pub fn filled(value: T) -> Self {
        PerMetric(std::array::from_fn(|_| value.clone()))
    }
}

impl<T: Default> Default for PerMetric<T> {
    fn default() -> Self {
        PerMetric(std::array::from_fn(|_| T::default()))
    }
}

impl<T> Index<Metric> for PerMetric<T> {
    type Output = T;
    #[inline]
    fn index(&self, metric: Metric) -> &T {
        &self.0[metric as usize]
    }
}

impl<T> IndexMut<Metric> for PerMetric<T> {
    #[inline]
    fn index_mut(&mut self, metric: Metric) -> &mut T {
        &mut self.0[metric as usize]
    }
}

// Metrics are written to files (shard parts) by their dotted name, and
// per-metric values as a list in output order.
impl serde::Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Metric {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Metric::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("`{name}` is not a metric")))
    }
}

impl<T: serde::Serialize> serde::Serialize for PerMetric<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter())
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for PerMetric<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = Vec::<T>::deserialize(deserializer)?;
        let n = values.len();
        let values: [T; N_METRICS] = values.try_into().map_err(|_| {
            serde::de::Error::custom(format!(
                "its metrics are truncated or extended: expected {N_METRICS} values, got {n}"
            ))
        })?;
        Ok(PerMetric(values))
    }
}

/// What a paired difference from the baseline says, for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Worse,
    /// Holm's adjusted p-value is above 5 %, or the metric has no better
    /// side. The unadjusted 95 % interval may still exclude 0: the verdict
    /// is adjusted for every comparison in the world, the interval is not.
    NoClearDifference,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoClearDifference => "no clear difference",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_in_table_order_and_names_are_unique() {
        for (i, m) in Metric::ALL.into_iter().enumerate() {
            assert_eq!(m.index(), i);
            assert_eq!(Metric::from_name(m.name()), Some(m));
        }
        let mut names: Vec<_> = Metric::names().collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), N_METRICS);
        assert_eq!(N_METRICS, 56);
    }

    #[test]
    fn chart_titles_carry_the_chart_unit() {
        assert_eq!(Metric::LeadToWin.info().chart_title(), "Lead to win (%)");
        assert_eq!(
            Metric::GrossProfit.info().chart_title(),
            "Gross profit (millions)"
        );
        assert_eq!(
            Metric::AvgDealSize.info().chart_title(),
            "Average won deal (thousands)"
        );
        assert_eq!(
            Metric::TtfcMedian.info().chart_title(),
            "Median time to first contact (hours)"
        );
        assert_eq!(
            Metric::GiniLeads.info().chart_title(),
            "Gini of leads offered per capacity"
        );
    }
}
