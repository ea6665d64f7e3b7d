import { useEffect, useState } from "preact/hooks";
import type { JobBrief } from "../../../schemas/brief";
import { api, ok } from "../api";
import { citationHref } from "../citations";
import { ErrorNotice, Loading } from "../ui";

type Load = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; brief: JobBrief };

/**
 * "Before you go": the job's pre-arrival brief, section by section, each sentence with a chip to
 * the record it quotes (on this page when the record is here, else on its job's page). Read over
 * REST rather than the socket: the brief is composed in milliseconds without a model, so
 * streaming would show nothing a technician could read sooner, and a plain read works before the
 * socket is open. The job page remounts it (`key`) whenever it reads the job again.
 */
export function BriefPanel(props: { jobId: string }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    ok(api.v1.jobs[":id"].brief.$get({ param: { id: props.jobId } }))
      .then((brief) => live && setLoad({ state: "ready", brief }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [props.jobId, attempt]);

  return (
    <section class="brief" aria-labelledby="brief-title">
      <h2 id="brief-title">Before you go</h2>
      {load.state === "loading" && <Loading what="the brief" />}
      {load.state === "error" && <ErrorNotice error={load.error} onRetry={() => setAttempt((n) => n + 1)} />}
      {load.state === "ready" &&
        // The page above already shows the job itself: its brief starts at getting in.
        load.brief.sections
          .filter((section) => section.key !== "job")
          .map((section) => (
            <section key={section.key} class={`brief-section brief-${section.key}`} aria-labelledby={`brief-${section.key}`}>
              <h3 id={`brief-${section.key}`}>{section.title}</h3>
              <ul class={section.empty ? "brief-lines empty" : "brief-lines"}>
                {section.sentences.map((sentence, i) => (
                  <li key={i}>
                    <span class="brief-text">{sentence.text}</span>
                    {sentence.citation && (
                      <>
                        {" "}
                        <a
                          class="chip"
                          href={citationHref(sentence.citation, props.jobId)}
                          title={sentence.citation.quote}
                          aria-label={`Source: ${sentence.citation.ref}`}
                        >
                          {sentence.citation.ref}
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          ))}
    </section>
  );
}
