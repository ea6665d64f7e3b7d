import { useSession } from "../session";
import { PageTitle } from "../ui";
import { Activity, Audit } from "./admin-audit";
import { Export, Import, IndexAndTasks } from "./admin-data";
import { Documents } from "./admin-documents";
import { Members } from "./admin-members";
import { ProviderKey, Settings } from "./admin-settings";

/** The tenant's console, one section per noun: members, documents, audit and activity, settings and key, data (index, export, import). */
export function AdminScreen() {
  const { me } = useSession();
  const isAdmin = me.role === "admin";
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Administration</PageTitle>
      <Members canChange={isAdmin} />
      <Documents canChange={isAdmin} />
      <Audit />
      <Activity />
      <Settings canChange={isAdmin} />
      <IndexAndTasks canChange={isAdmin} />
      {isAdmin && <ProviderKey />}
      {isAdmin && <Export />}
      {isAdmin && <Import />}
    </section>
  );
}
