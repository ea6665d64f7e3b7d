/**
 * The demo's knowledge content: the shared library's manuals (`demoLibrary()`, uploaded by the
 * platform operator through `POST /v1/platform/library/documents`) and each demo tenant's own
 * document (`demoTenantDocuments()`, uploaded by the tenant's admin through
 * `POST /v1/admin/documents`). Written for the demo, to fit the equipment and problems of the demo
 * tenants' records (scripts/demo-data.mjs): Acme's rooftop units, its Weil-McLain boiler with a
 * probe low-water cut-off and its gas water heaters; Northwind's RPZ backflow preventers and combi
 * boilers. The manuals are generic (no manufacturer's text), so a technician's question about a job
 * can be answered from them; the tenants' documents hold company rules the library does not.
 *
 * Every document is Markdown with a heading per topic, so each chunk (durable-objects/knowledge/
 * chunk.ts) is one topic a citation can point at. The held-out knowledge questions
 * (test/copilot/sets/held-out-knowledge.ts) cite chunk ids computed from this text: an edit to a
 * section changes its chunk's id, so change the text and those refs together.
 */

const RTU_MANUAL = `# Packaged rooftop unit service manual

Covers single-packaged gas/electric and cooling-only rooftop units of 3 to 12.5 tons on R-410A with the
common RC-series unit controller board, as installed on light-commercial buildings (restaurants,
churches, schools, offices). Read the whole fault section before replacing a board: most codes are
caused by something outside the controller.

## Safety before service

Turn the unit disconnect off and lock it out before opening the control or blower compartments.
The 24 V control circuit stays live from the transformer while the disconnect is on. Close the gas
cock before working on the gas section. Capacitors hold a charge: discharge them through a 20 kΩ
resistor before touching the terminals. Never bypass a safety switch to "see if it runs" for more
than the time needed to take one reading, and never leave a unit running with a switch jumpered.

## Reading the controller

The controller shows its status on a two-digit display behind the control panel window. A steady
"On" means normal operation. A flashing code is an active fault; the last five codes are stored and
shown in order by pressing the LAST FAULT button once per code. Hold LAST FAULT for 5 seconds to
clear the history after a repair, so the next visit does not chase an old code.

A code that comes back within 24 hours after a reset is a repeat fault: do not just reset it again.
Three of the same lockout within one hour locks the unit out for one hour (hard lockout); cycling
power at the disconnect clears a hard lockout.

## Error code table

| Code | Meaning | First action |
|---|---|---|
| E1 | High-pressure switch open (opens at 610 psig) | Check condenser coil and condenser fan; clean coil, check fan capacitor |
| E2 | Low-pressure switch open (opens at 50 psig) | Check charge and look for leaks; check evaporator airflow and filters |
| E3 | Freeze-stat: evaporator coil below 32°F for 10 minutes | Replace filters, check belt and blower speed; let the coil thaw |
| E4 | Flame rollout switch open | Do not reset more than once; inspect heat exchanger and flue for blockage |
| E5 | Ignition lockout after 3 tries | Check gas supply, igniter and flame sensor (flame signal) |
| E6 | Blower proving switch did not close | Check belt, blower motor and the proving switch tubing |
| E7 | Supply-air or outdoor-air sensor out of range | Measure the sensor resistance against the sensor chart |
| E8 | Economizer actuator not responding | Check the actuator's 24 V supply and the 2-10 V signal |
| E9 | Compressor short-cycle protection (more than 6 starts per hour) | Check thermostat location and anticipator, the contactor and the low-pressure switch |

Codes not in this table (for example E10 and higher, or letter codes) belong to a different
controller: use that manufacturer's literature.

## E1 high-pressure lockout

The high-pressure switch opens at 610 psig and closes again at 420 psig. Almost every E1 on a
rooftop unit is a dirty condenser coil or a condenser fan that is not running. Cottonwood, grease
from a kitchen exhaust and leaves mat the coil from the outside; wash it with coil cleaner from the
inside out at low pressure. Check the condenser fan motor's run capacitor (within 6% of its rating)
and that the fan blade turns freely. Only after the coil and fan are fine, check for overcharge or
non-condensables.

## E2 low-pressure trip

E2 means the suction pressure fell below 50 psig. Check airflow first: clogged filters, a slipping
or broken belt and a frozen coil all look like a low charge. With airflow correct, measure superheat
and subcooling before adding refrigerant. A unit that needs refrigerant has a leak: find it with an
electronic detector or bubbles before charging, and record the amount added on the job.

## E3 evaporator freeze protection

The freeze-stat on the evaporator trips when the coil stays below 32°F for 10 minutes. Turn the
compressor off and run the blower alone until the coil is clear (usually 30 to 60 minutes). Then
look for the cause: dirty filters, a loose belt, a blower set to a low speed or a low charge. The
supply air should be 16 to 22°F colder than the return air at full cooling.

## E4 flame rollout

E4 is a safety lockout: flames came out of the burner box. The manual-reset rollout switch is on the
burner box above the burners. Reset it once only. If it trips again, shut the gas off, tag the unit
out and inspect the heat exchanger for cracks and the flue and inducer for blockage (bird nests are
common in spring). Do not return the heat section to service until the cause is found and the
customer has been told.

## E5 ignition lockout

The controller tries to light three times, then locks out for one hour. Check that the gas cock is
open and measure the manifold pressure: 3.5 in. w.c. on natural gas, 10 in. w.c. on propane. A hot
surface igniter should measure 40 to 90 ohms cold; replace it if it is cracked or open. If the
burners light and then drop out after a few seconds, clean the flame sensor with a fine abrasive pad
and measure the flame signal: it must be at least 1.0 microamp DC.

## E6 blower proving

The blower proving switch must close within 30 seconds of a call for the blower. A broken or
slipping belt is the usual cause; check belt tension (3/4 inch deflection at the midpoint) and the
pulley alignment. Check the proving switch tubing for cracks and water. Replace belts with the size
on the unit's data plate; note it on the job so the next technician brings the right one.

## E7 sensor out of range

E7 means a temperature sensor reads open or shorted. Unplug the sensor and measure it: the 10 kΩ
thermistors read about 10,000 ohms at 77°F and about 32,600 ohms at 32°F. A reading of zero or
infinite is a failed sensor or a broken wire; check the harness where it passes the blower door.

## E9 short cycling

E9 locks the compressor out for 15 minutes when it has started more than 6 times in an hour. Look for
a thermostat in a draft or near a supply diffuser, a pitted contactor that chatters, and a
low-pressure switch that opens and closes on a marginal charge. Replace a contactor whose contacts
are pitted or burned; fit one with the same coil voltage and amp rating.

## Compressor does not start

If the compressor hums but does not start, check the run capacitor first, then the contactor
voltage on both sides. On older compressors a hard-start kit (start capacitor and relay) gets a
compressor with high starting torque going; measure the amp draw at start and compare it with the
locked rotor amps (LRA) on the data plate. A compressor that trips its internal overload needs up to
an hour to cool down before it will restart.

## Seasonal maintenance

Every visit: replace filters (size on the unit's filter access panel), check the belt, clean the
condensate drain and trap, and check that the economizer opens. In spring, wash the condenser coil
and check the charge. In autumn, check the heat section: inspect the burners, test the igniter and
flame signal, check the heat exchanger and measure the temperature rise (it must be within the
range on the data plate, usually 25 to 55°F).
`;

const BACKFLOW_PROCEDURE = `# Backflow preventer test procedure: reduced pressure zone (RPZ) assemblies

How to test a reduced pressure zone backflow preventer (RPZ, also called RP or type BA) with a
three-valve differential pressure test kit, how to read the results and what to do after a failed
test. The pass/fail values follow EN 12729 and match the US field test for RP assemblies.

## When a test is due

Every RPZ assembly is tested when it is installed, after every repair or relocation, and at least
once a year. The water company sets the deadline for the annual test; the test certificate must
reach the water company before that deadline, or the supply can be restricted.

## Before you start

Tell the customer that the water will be off for about 20 minutes. Check the test kit's
calibration date (it must have been calibrated within the last 12 months) and note the kit's serial
number for the certificate. Flush the test cocks one at a time before connecting the hoses, to
clear sand and scale. Check that the relief valve opening is not submerged and that there is an air
gap below it.

## Step 1: relief valve opening point

Close shut-off valve 2, then shut-off valve 1. Connect the high-pressure hose to test cock 2 and the
low-pressure hose to test cock 3. Open the bleed valves to remove air, then open the high-side
control valve slowly, watching the gauge. The reading at which the first drop leaves the relief
valve is the relief valve opening point.

Pass: the relief valve opens at a differential of **0.14 bar (2.0 psid) or more**. A relief valve
that opens below 0.14 bar, or does not open at all, fails.

## Step 2: check valve 1

Keep the hoses on test cocks 2 and 3 and shut-off valve 2 closed, close the high-side control
valve and bleed the low side until the gauge settles. The steady reading is the differential across
check valve 1.

Pass: the differential across check valve 1 is **at least 0.14 bar (2.0 psid) and higher than the
relief valve opening point**. Healthy assemblies usually read 0.3 to 0.5 bar. A reading that falls
slowly while you watch means check valve 1 is leaking, even when it starts above the minimum.

## Step 3: check valve 2

Connect a bypass hose from test cock 2 to test cock 4 and open test cock 4. Check valve 2 passes
when it holds tight against back pressure: the gauge stays steady and no water runs out of the
relief valve. Record it as "tight" or "leaking".

## Step 4: restore service

Close the test cocks, remove the hoses, open shut-off valve 1 and then shut-off valve 2 slowly, and
check that the relief valve does not discharge. Leave the test cocks closed and capped.

## Results table

| Part | Pass | Fail |
|---|---|---|
| Relief valve | opens at 0.14 bar (2.0 psid) or more | opens below 0.14 bar or does not open |
| Check valve 1 | at least 0.14 bar and above the relief valve opening | below 0.14 bar, or falling |
| Check valve 2 | tight | leaking |

## After a failed test

A failed assembly is repaired and tested again on the same visit when the parts are on the van.
The usual repair is a rubber parts kit for the failed check valve and the relief valve, with a clean
of the strainer upstream: sand or scale from mains work is the most common cause of a leaking check
valve 1. If the body is damaged or the assembly is older than 25 years, quote a replacement
instead. A failed assembly must not be left without a retest being planned: note the date of the
retest on the job.

## Common faults

- Relief valve dripping continuously in normal use: check valve 1 is leaking, or the supply pressure
  fluctuates (water hammer upstream).
- Relief valve discharging a lot of water: check valve 1 is held open by debris.
- Gauge reading unsteady: air in the hoses; bleed them again.
`;

const LWCO_GUIDE = `# Boiler low-water cut-off guide

A low-water cut-off (LWCO) shuts the burner off when the water level in a hot-water or steam boiler
drops below a safe level, before the heat exchanger overheats and cracks. This guide covers the
probe-type cut-offs fitted to cast-iron hot-water boilers (such as a McDonnell & Miller PS-801
control with a 750-series probe) and the float-type cut-offs on steam boilers.

## How a probe cut-off works

The probe sits in a tapping above the boiler's minimum water line. Water conducts a small current
from the probe to the boiler shell; when the water drops below the probe tip, the current stops and
the control opens the burner circuit. A green light on the control means water is sensed; a red
light means low water and the burner is locked out. Models with manual reset stay locked out until
someone presses the reset button, even after the water comes back.

## Lockout on a boiler with enough water

A lockout while the boiler is full and pressurised is almost always a coated probe. Scale, oil or
sludge on the probe insulates it, so the control no longer sees water. Typical signs: the red light
comes on at random, more often when the boiler is hot, and the system pressure is normal (12 to 15
psi on a two-storey building).

Check the system pressure first. If it is below 10 psi, the cut-off may be right: find the leak or
the fill valve fault before anything else.

## Cleaning or replacing the probe

1. Turn the boiler off, let it cool below 100°F and relieve the system pressure to zero.
2. Unplug the probe wire and unscrew the probe with a deep socket.
3. Clean light scale with a fine abrasive pad and wipe the probe with a clean cloth. Do not use
   a wire brush on the insulator.
4. Replace the probe if the insulator is cracked, the scale does not come off, or the probe is more
   than 5 years old. Use pipe sealant rated for boilers, not tape, on the probe threads.
5. Refill, purge the air and bring the system back to its pressure before testing.

A probe that scales up again within a year points at the water: check for a leak that makes the
automatic fill add fresh water, and test the boiler water.

## Testing the cut-off

Test every cut-off at the annual service and after every repair. With the burner firing, lower the
water level below the probe (drain down on a hot-water boiler, blow down the float chamber on a
steam boiler). The burner must stop within a few seconds and the red light come on. Refill, and
check that the burner restarts only after the manual reset button is pressed on manual-reset models.
Record the test on the job: "cut-off tested by drain-down, trips correctly".

## Boiler water quality

Scale on a probe comes from hard make-up water. Hot-water systems should run at pH 8.5 to 9.5; test
the boiler water at the annual service. Above pH 10 or with high dissolved solids (TDS above 2,000
ppm), flush the system and add an inhibitor. Every litre of fresh water a leaking system takes in
brings new hardness with it, so fix leaks first.

## Float-type cut-offs on steam boilers

Steam boiler float cut-offs must be blown down weekly in the heating season by the building's
operator: open the blow-down valve with the burner firing until the water runs clear; the burner
must stop. A float chamber full of sludge is the usual cause of a cut-off that does not trip.
`;

const WATER_HEATER_GUIDE = `# Gas water heater troubleshooting: tank and tankless

For atmospheric and power-vent gas tank water heaters (40 to 75 gallons) and condensing tankless
gas water heaters in homes and small businesses.

## No hot water from a tank heater

Check the pilot or the igniter first. On a standing pilot heater, a pilot that will not stay lit
after the knob is released points at the thermocouple: it must produce at least 20 millivolts
with the pilot lit. Replace a thermocouple below that. On heaters with a flammable vapour sensor
(FVIR), a lockout after a spill nearby must be reset as the label explains; a sensor that locks out
again with no vapours present is failed, and the whole gas control may need replacing.

## Not enough hot water

A tank that runs out quickly has a broken dip tube (cold water goes straight to the outlet: look
for plastic pieces in the aerators), sediment covering the burner (rumbling and popping when it
heats), or a thermostat set too low. Set the thermostat to 120°F (49°C) for homes; higher settings
need a mixing valve at the outlet.

## Temperature and pressure relief valve

The T&P valve opens at 150 psi or 210°F. Water running from the discharge pipe means the valve is
doing its job: check the house pressure (above 80 psi needs a pressure-reducing valve) and the
expansion tank (on a closed system the tank's air charge must match the house pressure). A T&P
valve that drips after closing again is replaced, never plugged. The discharge pipe must run to
within 6 inches of the floor or a drain, full size, with no valve on it.

## Leaking tank

Water under a tank heater is not always the tank. Check the T&P discharge, the cold and hot
connections and the drain valve first. A tank that leaks from the jacket or the bottom is
failed and cannot be repaired: shut off the cold supply and the gas, and quote a replacement.

## Flushing sediment

Flush tank heaters once a year where the water is hard: turn the gas control to pilot, close the
cold supply, drain a few gallons through the drain valve until it runs clear, then refill with a hot
tap open until the air is out.

## Anode rod

The anode rod protects the tank from corrosion. Inspect it every 3 years (every 2 years with a
water softener) and replace it when more than 6 inches of the core wire is bare. A rotten-egg smell
in the hot water is the anode reacting with the water: an aluminium-zinc anode fixes it.

## Tankless: ignition failure

Condensing tankless heaters show an ignition failure as error E003 on most models. Check that the
gas line is sized for the heater (tankless heaters need far more gas than a tank: a 199,000 BTU unit
on a 1/2 inch line is a common cause), that the gas pressure does not drop below 3.5 in. w.c. with
the heater and the other gas appliances running, and that the condensate drain and the intake are
clear. Clean the flame rod before replacing the igniter.

## Tankless: descaling

Descale a tankless heater every year in hard water: close the isolation valves, connect a pump and
hoses to the service ports and circulate 4 gallons of food-grade white vinegar through the heat
exchanger for 45 minutes, then flush with clean water for 5 minutes and clean the inlet filter.
`;

const COMBI_BOILER_GUIDE = `# Combi boiler lockouts: ignition and water pressure faults

Wall-hung condensing combi boilers (natural gas, 24 to 40 kW) show a code when they lock out. Each
brand numbers its codes differently; this guide groups the common ones by cause. Always read the
code before resetting: the code is lost on some models when the boiler is powered off.

## Code by brand

| Brand | Ignition failure | Low water pressure |
|---|---|---|
| Vaillant ecoTEC | F.28 (at start-up), F.29 (flame lost while running) | F.22 |
| Remeha Calenta | E.04.10 (5 failed starts) | A.02.06 (warning) |
| Intergas Kombi Kompakt | F4 | no code: the display shows the pressure |
| Nefit ProLine | 6A | H.. codes, see the boiler |

## Ignition failure

The boiler tried to light several times and locked out. Work from the gas supply inwards:

1. Gas supply: measure the working pressure at the boiler's inlet test point with the boiler at full
   load. On natural gas the inlet pressure must stay at or above 17 mbar under load (nominal
   20 mbar). A pressure that is fine at rest but drops under load, especially when a cooker or a
   second appliance burns at the same time, means an undersized gas pipe or a faulty meter
   regulator: report it, a new electrode will not fix it.
2. Ignition electrode: check the gap and the tip. The gap should be 3.5 to 4.5 mm; an eroded or
   bent electrode is replaced with its gasket.
3. Condensate: a blocked condensate trap backs water into the burner chamber and stops ignition.
   Clean the trap and check the drain for frost in winter.
4. Flue and air intake: check for blockage and that the flue seals are intact.

After the repair, measure the flue gas: CO2 8.5 to 10.5% on natural gas and CO below 150 ppm.

## Low water pressure

A sealed system runs at 1.0 to 2.0 bar cold. Below about 0.8 bar the boiler locks out (or warns,
depending on the brand). Top up through the filling loop to 1.5 bar and close the loop again. A
system that needs topping up more than twice a year is losing water: check the pressure relief
valve's discharge, the radiator valves and the expansion vessel.

## Expansion vessel

A pressure that climbs to 3 bar when the heating runs and drops when it is cold points at the
expansion vessel. Check its air charge with the system drained to zero: it must be 0.75 to 1.0 bar.
Recharge it with a pump; a vessel that loses its charge again within a month has a failed membrane.

## Annual service

Clean the heat exchanger and the condensate trap, check the ignition electrode, test the gas
pressure at rest and under load, measure the flue gas, check the expansion vessel and the system
pressure, and record everything on the job.
`;

const ACME_ROOFTOP_ACCESS = `# Acme Heating & Cooling: rooftop access and fall protection procedure

Company rule for every Acme technician working on a roof (rooftop units, condensers, exhaust fans).
This is our procedure; where a customer's site rules are stricter, theirs apply.

## Before you go up

- Check in with the site contact before you go up, and tell dispatch the building and the unit
  (call or message the dispatcher; a job status of "in progress" is not enough).
- Never go on a roof alone after dark or when the wind is above 25 mph; reschedule with dispatch.
- Ice, snow or frost on the roof: stop and call the service manager for approval before going up.

## Ladders

Use a ladder rated Type IA (300 lb) or better. The ladder extends at least 3 feet above the roof
edge and is tied off at the top before you step off. Fixed ladders with a locked cage: get the code
or key from the site contact; never climb the outside of the cage.

## Fall protection

Work closer than 15 feet to an unprotected roof edge needs a harness tied to a rated anchor or a
guardrail; inspect the harness and lanyard before every use. Between 15 feet and the edge, keep a
warning line or a spotter. Skylights are holes: never step on or lean on one, and stay 6 feet away
unless it has a screen.

## Tools and parts

Lift tools and parts with a hoist line and bag, not by hand on the ladder. Keep three points of
contact on the ladder at all times.

## After the job

Close and latch every unit panel and roof hatch, take every filter box and belt wrapper down, and
note on the job that the roof was left clean. Report any damaged roof membrane or missing guardrail
to the customer and in a job note, with a photo.
`;

const NORTHWIND_BACKFLOW_REPORTING = `# Northwind Plumbing & Electric: backflow test reporting procedure

How Northwind reports every RPZ backflow test, on top of the test procedure in the library. Our
customers' water companies (Evides in Rotterdam, Dunea, Oasen) accept only certificates in this
form.

## Certificate

Every test gets a certificate numbered BA-<year>-<four digits> from the office's register; never
make up a number on site. The certificate carries the three readings (relief valve opening point,
check valve 1 differential, check valve 2 tight or leaking), the result, the test kit's serial number
and the tester's certificate number.

## Deadlines

Upload the certificate to the water company's portal within 5 working days of a passed test. A
failed test is reported to the water company within 2 working days, with the date of the planned
retest; the retest must happen within 14 days of the failed test.

## Failed test on site

If the repair kit is on the van, repair and retest the same day and issue one certificate with the
retest's readings (note the failed readings in the job). If not, order the kit, tell the customer
the assembly may not protect their supply until it is repaired, and ask dispatch to book the retest
before you leave.

## Pricing rules

An annual test on a maintenance contract (Business) is included. Outside a contract the test is
charged at the fixed rate of EUR 95 per assembly, a retest after a repair at EUR 45. Repair kits
are charged at list price.

## Records we keep

Keep the test readings in the job events (diagnosed: readings and result; completed: certificate
number). The office keeps certificates for 10 years.
`;

/** The shared library's demo documents (the operator's uploads). */
export function demoLibrary() {
  return [
    { id: "rtu-service-manual", title: "Packaged rooftop unit service manual", format: "markdown", text: RTU_MANUAL },
    { id: "rpz-backflow-test", title: "Backflow preventer test procedure (RPZ)", format: "markdown", text: BACKFLOW_PROCEDURE },
    { id: "boiler-lwco-guide", title: "Boiler low-water cut-off guide", format: "markdown", text: LWCO_GUIDE },
    { id: "gas-water-heaters", title: "Gas water heater troubleshooting: tank and tankless", format: "markdown", text: WATER_HEATER_GUIDE },
    {
      id: "combi-boiler-lockouts",
      title: "Combi boiler lockouts: ignition and water pressure faults",
      format: "markdown",
      text: COMBI_BOILER_GUIDE,
    },
  ];
}

/** Each demo tenant's own documents (uploaded by the tenant's admin), by tenant id. */
export function demoTenantDocuments() {
  return {
    "acme-hvac": [
      {
        id: "rooftop-access",
        title: "Rooftop access and fall protection procedure",
        format: "markdown",
        text: ACME_ROOFTOP_ACCESS,
      },
    ],
    "northwind-plumbing": [
      {
        id: "backflow-test-reporting",
        title: "Backflow test reporting procedure",
        format: "markdown",
        text: NORTHWIND_BACKFLOW_REPORTING,
      },
    ],
  };
}
