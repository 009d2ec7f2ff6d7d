import HNSCore
import EventBus

@main
enum Entrypoint {
    static func main() async {
        EventLoopExecutor.installUnlessDisabled()
        await EventBusCommand.runAsRoot()
    }
}
