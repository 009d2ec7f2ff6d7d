import HNSCore
import WaitingRoom

@main
enum Entrypoint {
    static func main() async {
        EventLoopExecutor.installUnlessDisabled()
        await QueueCommand.runAsRoot()
    }
}
