import SeqHDF5
import SeqTrain

/// The parts of a checkpoint's `/training` group added with learning-rate schedules and dropout. Files written
/// before them lack these attributes and read as the fresh state.
extension Checkpoint {
    func writeTrainingExtras(_ trainer: TrainerState, into training: HDF5Group) throws {
        if let schedule = trainer.schedule {
            try training.setAttribute("schedule_lr", schedule.learningRate)
            try training.setAttribute("schedule_best", schedule.best)
            try training.setAttribute("schedule_bad_epochs", schedule.badEpochs)
        }
        if let state = trainer.dropoutState {
            try training.setAttribute("dropout_rng_state", Int(bitPattern: UInt(state)))
        }
    }

    /// Reads what `writeTrainingExtras` wrote, range-checking every value of an untrusted file.
    static func readTrainingExtras(_ training: HDF5Group, into trainer: inout TrainerState, file path: String) throws {
        if training.hasAttribute("schedule_lr") {
            let rate = try training.doubleAttribute("schedule_lr"), best = try training.doubleAttribute("schedule_best")
            guard rate.isFinite, rate >= 0, rate <= 1000 else {
                throw StoreError(file: path, object: "/training", "attribute 'schedule_lr' is \(rate); it must be in [0, 1000]")
            }
            guard !best.isNaN else {
                throw StoreError(file: path, object: "/training", "attribute 'schedule_best' is NaN")
            }
            trainer.schedule = ScheduleState(
                learningRate: rate, best: best,
                badEpochs: try checkedCount(training, "schedule_bad_epochs", file: path, max: trainer.history.count))
        }
        if training.hasAttribute("dropout_rng_state") {
            trainer.dropoutState = UInt64(UInt(bitPattern: try training.intAttribute("dropout_rng_state")))
        }
    }
}
